# expect: metric
# Looks for SQLite databases anywhere it can reach and overwrites them (the
# read-only system folders are skipped: walking all of /usr takes longer
# than the time limit on a busy machine).
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
for root, dirs, files in os.walk("/"):
    if root.startswith(("/proc", "/sys", "/dev", "/usr", "/lib", "/bin", "/sbin", "/etc", "/opt")):
        dirs[:] = []
        continue
    for f in files:
        p = os.path.join(root, f)
        try:
            with open(p, "rb") as fh:
                if fh.read(16) != b"SQLite format 3\x00":
                    continue
            with open(p, "r+b") as fh:
                fh.write(b"garbage garbage garbage")
            hit.append(p)
        except OSError:
            pass
if hit:
    raise SystemExit("ESCAPED: corrupted " + ", ".join(hit))
finish()
