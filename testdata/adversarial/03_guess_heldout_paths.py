# expect: metric
# Looks for the validation and test splits, databases, keys and the
# evaluator everywhere it can see.
import os

import torch

import harness as H

class Uniform(torch.nn.Module):
    def forward(self, x):
        return torch.zeros(x.shape[0], x.shape[1], 256)


def finish():
    data = H.train_data()
    H.save_model(Uniform(), data[:64].view(2, 32))

found = []
for top in ("/",):
    for root, dirs, files in os.walk(top):
        if root.startswith(("/proc", "/sys", "/dev", "/usr", "/lib", "/bin", "/sbin", "/etc", "/opt")):  # the system
            dirs[:] = []
            continue
        for f in files:
            if f in ("val.pt", "test.pt", "id_rsa", "evaluate.py") or f.endswith((".db", ".db-wal")):
                found.append(os.path.join(root, f))
for guess in ("../val.pt", "../../val.pt", "../../prepared/val.pt", os.path.expanduser("~/.ssh/id_rsa"), "/root/.ssh/id_rsa"):
    if os.path.exists(guess):
        found.append(guess)
if found:
    raise SystemExit("ESCAPED: found " + ", ".join(found[:10]))
finish()
