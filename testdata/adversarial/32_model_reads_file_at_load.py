# expect: tamper
# excerpt: the seal killed it
# proof: model-runs-unsealed
# Exports a scripted model whose __setstate__, which TorchScript runs
# while the model is loaded, reads the validation split by path: the read
# happens before the model is ever called.
import json

import torch

import harness as H


class PeekOnLoad(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.peek = torch.zeros(1)

    def forward(self, x):
        return torch.zeros(x.shape[0], x.shape[1], 256) + self.peek.sum() * 0

    @torch.jit.export
    def __getstate__(self) -> int:
        return 1

    @torch.jit.export
    def __setstate__(self, state: int) -> None:
        self.peek = torch.from_file("__VAL__", size=64, dtype=torch.uint8).float()
        self.training = False


H.train_data()
torch.jit.script(PeekOnLoad()).save("model.pt")
with open("model.pt.json", "w") as f:
    json.dump({"input_shape": [2, 32], "input_dtype": "torch.int64"}, f)
