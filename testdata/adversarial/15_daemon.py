# expect: metric
# Leaves a double-forked, setsid daemon behind that would outlive the run.
import os
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
        os.execvp("sh", ["sh", "-c", "exec -a ar-adversary-daemon sleep 600"])
    os._exit(0)
time.sleep(0.3)
finish()
