"""Simple CNN on CIFAR-10 (about 200K parameters)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

import harness as H

# @search-space begin
width: int = 32             # choice 16 24 32 48 64
batch_size: int = 128       # choice 32 64 128 256 512
lr: float = 2e-3            # log 1e-4 .. 3e-2
weight_decay: float = 5e-4  # log 1e-6 .. 1e-2
dropout: float = 0.1        # range 0.0 .. 0.5
flip: float = 0.5           # range 0.0 .. 0.5
label_smoothing: float = 0.05  # range 0.0 .. 0.2
# @search-space end

MEAN = torch.tensor([0.491, 0.482, 0.447]).view(1, 3, 1, 1)
STD = torch.tensor([0.247, 0.243, 0.262]).view(1, 3, 1, 1)


def conv(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        w = width
        self.register_buffer("mean", MEAN)
        self.register_buffer("std", STD)
        self.features = nn.Sequential(
            conv(3, w), nn.MaxPool2d(2), conv(w, 2 * w), nn.MaxPool2d(2),
            conv(2 * w, 4 * w), nn.MaxPool2d(2), conv(4 * w, 4 * w), nn.AdaptiveAvgPool2d(1),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(4 * w, 10))

    def forward(self, x):
        return self.head(self.features((x - self.mean) / self.std))


x_all, y_all = H.train_data()
x_all, y_all = x_all.to(H.device), y_all.to(H.device)
model = Net().to(H.device)
opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
step = 0
while H.time_left() > 0:
    idx = torch.randint(len(x_all), (batch_size,), device=H.device)
    x, y = x_all[idx], y_all[idx]
    if flip > 0:
        mask = torch.rand(batch_size, device=H.device) < flip
        x = torch.where(mask.view(-1, 1, 1, 1), x.flip(3), x)
    frac = H.progress()
    for group in opt.param_groups:
        group["lr"] = lr * 0.5 * (1 + math.cos(math.pi * frac))
    loss = F.cross_entropy(model(x), y, label_smoothing=label_smoothing)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    if step % 25 == 0:
        H.log(step, loss.item())
    step += 1

H.save_model(model, x_all[:batch_size])
