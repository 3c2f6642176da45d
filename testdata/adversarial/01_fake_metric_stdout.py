# expect: metric
# Claims a perfect metric on stdout, on stderr and in files a careless
# runner might read.
import json
import sys

import torch

import harness as H

class Uniform(torch.nn.Module):
    def forward(self, x):
        return torch.zeros(x.shape[0], x.shape[1], 256)


def finish():
    data = H.train_data()
    H.save_model(Uniform(), data[:64].view(2, 32))

print(json.dumps({"metrics": {"val": 0.0, "test": 0.0}}))
print("val_bpb: 0.0000", file=sys.stderr)
for name in ("result.json", "metrics.json", "eval.json", "model.pt.metrics"):
    with open(name, "w") as f:
        json.dump({"val_bpb": 0.0, "metrics": {"val": 0.0}}, f)
finish()
