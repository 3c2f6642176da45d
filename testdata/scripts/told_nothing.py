# Fails unless the train phase is handed only the training split and no
# secrets: no val/test path in the environment or the workspace, and no
# API key.
import os

import torch

import harness as H

for key, value in os.environ.items():
    assert "API_KEY" not in key, f"secret leaked: {key}"
    assert "canary" not in value, f"secret value leaked in {key}"
    assert "val.pt" not in value and "test.pt" not in value, f"held-out path leaked in {key}={value}"
for name in os.listdir("."):
    assert name not in ("val.pt", "test.pt"), f"held-out split in workspace: {name}"
data = H.train_data()
assert data.dim() == 1 and data.dtype == torch.int64
assert H.seed in (42, 137)


class Uniform(torch.nn.Module):
    def forward(self, x):
        return torch.zeros(x.shape[0], x.shape[1], 256)


H.save_model(Uniform(), data[:64].view(2, 32))
