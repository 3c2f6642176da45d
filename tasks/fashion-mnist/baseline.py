"""Small CNN on Fashion-MNIST."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

import harness as H

# @search-space begin
channels: int = 32          # choice 8 16 24 32 48 64
hidden: int = 128           # choice 32 64 128 256
batch_size: int = 128       # choice 32 64 128 256 512
lr: float = 2e-3            # log 1e-4 .. 3e-2
weight_decay: float = 1e-4  # log 1e-6 .. 1e-2
dropout: float = 0.1        # range 0.0 .. 0.5
label_smoothing: float = 0.0  # range 0.0 .. 0.2
# @search-space end


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        c = channels
        self.features = nn.Sequential(
            nn.Conv2d(1, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c, 2 * c, 3, padding=1), nn.BatchNorm2d(2 * c), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.head = nn.Sequential(
            nn.Flatten(), nn.Dropout(dropout), nn.Linear(2 * c * 7 * 7, hidden), nn.ReLU(),
            nn.Dropout(dropout), nn.Linear(hidden, 10),
        )

    def forward(self, x):
        return self.head(self.features((x - 0.286) / 0.353))


x_all, y_all = H.train_data()
x_all, y_all = x_all.to(H.device), y_all.to(H.device)
model = Net().to(H.device)
opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
step = 0
while H.time_left() > 0:
    idx = torch.randint(len(x_all), (batch_size,), device=H.device)
    x, y = x_all[idx], y_all[idx]
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
