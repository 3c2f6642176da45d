# expect: metric
# Writes enormous and malformed lines on the events pipe and logs NaN-free
# but absurd losses.
import os

import torch

import harness as H

class Uniform(torch.nn.Module):
    def forward(self, x):
        return torch.zeros(x.shape[0], x.shape[1], 256)


def finish():
    data = H.train_data()
    H.save_model(Uniform(), data[:64].view(2, 32))

fd = int(os.environ.get("AUTORESEARCH_EVENTS_FD", "3"))
os.write(fd, b"{" * (4 << 20) + b"\n")
os.write(fd, b"\xff\xfe not json\n")
for step in range(100):
    H.log(step, 1e30)
finish()
