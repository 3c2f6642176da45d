"""Byte-level transformer on tiny Shakespeare (about 200K parameters)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

import harness as H

# @search-space begin
n_layer: int = 3            # range 1 .. 6
d_model: int = 64           # choice 32 48 64 96 128
n_head: int = 4             # choice 1 2 4 8
block_size: int = 64        # choice 32 64 128 256
batch_size: int = 32        # choice 8 16 32 64 128
lr: float = 3e-3            # log 1e-4 .. 3e-2
weight_decay: float = 0.01  # log 1e-4 .. 0.3
warmup_steps: int = 50      # range 0 .. 500
dropout: float = 0.0        # range 0.0 .. 0.3
# @search-space end


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))
        self.drop = nn.Dropout(dropout)
        self.register_buffer("mask", torch.tril(torch.ones(block_size, block_size)).bool())

    def attn(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, n_head, c // n_head).permute(2, 0, 3, 1, 4)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(c // n_head)
        att = att.masked_fill(~self.mask[:t, :t], float("-inf")).softmax(-1)
        return self.proj((att @ v).transpose(1, 2).reshape(b, t, c))

    def forward(self, x):
        x = x + self.drop(self.attn(self.ln1(x)))
        return x + self.drop(self.mlp(self.ln2(x)))


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(256, d_model)
        self.pos = nn.Parameter(torch.zeros(block_size, d_model))
        self.blocks = nn.Sequential(*[Block() for _ in range(n_layer)])
        self.ln = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, 256)

    def forward(self, idx):
        x = self.tok(idx) + self.pos[: idx.shape[1]]
        return self.head(self.ln(self.blocks(x)))


data = H.train_data().to(H.device)
model = Model().to(H.device)
opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
offsets = torch.arange(block_size, device=H.device)
step = 0
while H.time_left() > 0:
    ix = torch.randint(len(data) - block_size - 1, (batch_size, 1), device=H.device) + offsets
    x, y = data[ix], data[ix + 1]
    frac = H.progress()
    scale = min(1.0, (step + 1) / (warmup_steps + 1)) * (0.1 + 0.45 * (1 + math.cos(math.pi * frac)))
    for group in opt.param_groups:
        group["lr"] = lr * scale
    loss = F.cross_entropy(model(x).view(-1, 256), y.view(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    if step % 25 == 0:
        H.log(step, loss.item())
    step += 1

H.save_model(model, data[:block_size].view(1, -1))
