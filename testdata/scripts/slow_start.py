# Starts slowly (two and a half seconds before it asks for data, more
# than the test's start-up allowance), then trains honestly by H.time_left().
import time

import torch

import harness as H


class Uniform(torch.nn.Module):
    def forward(self, x):
        return torch.zeros(x.shape[0], x.shape[1], 256)


time.sleep(2.5)
data = H.train_data()
w = torch.randn(64, 64)
while H.time_left() > 0:
    w = torch.tanh(w @ w)
H.save_model(Uniform(), data[:64].view(2, 32))
