# expect: metric
# Floods stdout and stderr (hundreds of megabytes), then trains.
import sys

import torch

import harness as H

class Uniform(torch.nn.Module):
    def forward(self, x):
        return torch.zeros(x.shape[0], x.shape[1], 256)


def finish():
    data = H.train_data()
    H.save_model(Uniform(), data[:64].view(2, 32))

line = "spam " * 200 + "\n"
for _ in range(200000):
    sys.stdout.write(line)
    sys.stderr.write(line)
finish()
