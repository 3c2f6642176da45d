# expect: tamper
# excerpt: the seal killed it
# proof: model-runs-unsealed
# Exports its own scripted model, which reads the prepared validation
# split by path (public code computes it; here it is given exactly) every
# time the evaluator calls it.
import json

import torch

import harness as H


class Peek(torch.nn.Module):
    def forward(self, x):
        raw = torch.from_file("__VAL__", size=64, dtype=torch.uint8)
        return torch.zeros(x.shape[0], x.shape[1], 256) + raw.float().sum() * 0


H.train_data()
torch.jit.script(Peek()).save("model.pt")
with open("model.pt.json", "w") as f:
    json.dump({"input_shape": [2, 32], "input_dtype": "torch.int64"}, f)
