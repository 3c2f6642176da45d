# expect: tamper
# excerpt: the seal killed it
# proof: model-runs-unsealed
# Exports a scripted model that writes what it is shown to a file
# (torch.save is a TorchScript op) while it is evaluated: the validation
# inputs, kept for later.
import json

import torch

import harness as H


class Leak(torch.nn.Module):
    def forward(self, x):
        torch.save(x, "leaked-inputs.pt")
        return torch.zeros(x.shape[0], x.shape[1], 256)


H.train_data()
torch.jit.script(Leak()).save("model.pt")
with open("model.pt.json", "w") as f:
    json.dump({"input_shape": [2, 32], "input_dtype": "torch.int64"}, f)
