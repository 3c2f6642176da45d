# Claims a perfect metric on stdout and in files where a careless runner
# might look, then saves a model that is no better than chance.
import json

import torch

import harness as H


class Uniform(torch.nn.Module):
    def forward(self, x):
        return torch.zeros(x.shape[0], x.shape[1], 256)


data = H.train_data()
print(json.dumps({"val_metric": 0.0}))
print(json.dumps({"metrics": {"val": 0.0, "test": 0.0}}))
print("val_bpb: 0.0")
for name in ("result.json", "metrics.json", "eval.json"):
    with open(name, "w") as f:
        json.dump({"val_metric": 0.0, "metrics": {"val": 0.0}}, f)
H.save_model(Uniform(), data[:64].view(2, 32))
