# expect: overtime
# excerpt: of which 5.0 s allowed
# Loads the training split itself and trains for seven seconds before
# H.train_data() starts the harness's clock, then trains its budget.
import time

import torch

import harness as H


class Uniform(torch.nn.Module):
    def forward(self, x):
        return torch.zeros(x.shape[0], x.shape[1], 256)


early = torch.load("train.pt")
w = torch.randn(128, 128)
end = time.time() + 7
while time.time() < end:
    w = torch.tanh(w @ w) + early[:128].float().mean() * 0
data = H.train_data()
while H.time_left() > 0:
    w = torch.tanh(w @ w)
H.save_model(Uniform(), data[:64].view(2, 32))
