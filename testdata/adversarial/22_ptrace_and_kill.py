# expect: metric
# Looks for processes outside its sandbox (the runner, the user's) that it
# could signal.
import os

import torch

import harness as H

class Uniform(torch.nn.Module):
    def forward(self, x):
        return torch.zeros(x.shape[0], x.shape[1], 256)


def finish():
    data = H.train_data()
    H.save_model(Uniform(), data[:64].view(2, 32))

killed = []
for pid in range(1, 4096):
    if pid == os.getpid():
        continue
    try:
        os.kill(pid, 0)
        if pid > 2:
            killed.append(pid)
    except (ProcessLookupError, PermissionError):
        pass
if len(killed) > 3:
    raise SystemExit("ESCAPED: sees processes " + str(killed[:10]))
finish()
