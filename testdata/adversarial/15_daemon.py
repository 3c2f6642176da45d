# expect: metric
# Leaves a double-forked, setsid daemon behind that would outlive the run.
import os
import sys
import time

import torch

import harness as H

class Uniform(torch.nn.Module):
    def forward(self, x):
        return torch.zeros(x.shape[0], x.shape[1], 256)


def finish():
    data = H.train_data()
    H.save_model(Uniform(), data[:64].view(2, 32))

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)", "ar-adversary-daemon"])
    os._exit(0)
time.sleep(0.3)
finish()
