# expect: overtime
# budget-steps: 20
# excerpt: on a budget of 20 steps
# Splits its gradient steps over forked processes so that none takes more
# than the budget of 20 by its own count: the parent and three children
# take 15 each (60 in all); the children leave their weights in the
# workspace for the parent to average.
import os

import torch

import harness as H


class Uniform(torch.nn.Module):
    def forward(self, x):
        return torch.zeros(x.shape[0], x.shape[1], 256)


def train(w):
    for _ in range(15):
        loss = ((w - 1) ** 2).sum()
        (g,) = torch.autograd.grad(loss, [w])
        with torch.no_grad():
            w.sub_(0.1 * g)


data = H.train_data()
w = torch.zeros(16, requires_grad=True)
children = []
for i in range(3):
    pid = os.fork()
    if pid == 0:
        train(w)
        torch.save(w.detach(), f"w{i}.pt")
        os._exit(0)
    children.append(pid)
train(w)
for pid in children:
    os.waitpid(pid, 0)
H.save_model(Uniform(), data[:64].view(2, 32))
