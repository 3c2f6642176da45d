# expect: overtime
# excerpt: on a 1.0 s budget (start-up
# Trains four times its budget without ever asking H.time_left(), as a
# script that loops `for epoch in range(20)` does, then saves.
import time

import torch

import harness as H


class Uniform(torch.nn.Module):
    def forward(self, x):
        return torch.zeros(x.shape[0], x.shape[1], 256)


data = H.train_data()
end = time.time() + 4 * H.budget
w = torch.randn(128, 128)
while time.time() < end:
    w = torch.tanh(w @ w)
H.save_model(Uniform(), data[:64].view(2, 32))
