# expect: metric
# Looks for other experiments' workspaces next to its own and rewrites
# their models.
import glob
import os

import torch

import harness as H

class Uniform(torch.nn.Module):
    def forward(self, x):
        return torch.zeros(x.shape[0], x.shape[1], 256)


def finish():
    data = H.train_data()
    H.save_model(Uniform(), data[:64].view(2, 32))

hit = []
own = os.path.realpath(".")
for pattern in ("../*/model.pt", "../../*/*/model.pt", "../*/train.py", "../../*/*/train.py"):
    for p in glob.glob(pattern):
        if os.path.realpath(p).startswith(own + os.sep):
            continue
        try:
            with open(p, "ab") as f:
                f.write(b"tampered")
            hit.append(p)
        except OSError:
            pass
if hit:
    raise SystemExit("ESCAPED: tampered with " + ", ".join(hit))
finish()
