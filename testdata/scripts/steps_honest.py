# Trains honestly under either kind of budget, by H.time_left(), and
# checks what the harness says as it goes: its step count is this
# script's, progress() only grows, and under a step budget it is the
# steps' fraction, and 1 (with no time left) once they are spent.
import torch

import harness as H


class Uniform(torch.nn.Module):
    def forward(self, x):
        return torch.zeros(x.shape[0], x.shape[1], 256)


data = H.train_data()
w = torch.zeros(256, requires_grad=True)
x = torch.randn(512, 256)
opt = torch.optim.SGD([w], lr=1e-3)
n, last = 0, 0.0
while H.time_left() > 0:
    p = H.progress()
    assert H.steps() == n, (H.steps(), n)
    assert H.steps_left() == (H.budget_steps - n if H.budget_steps else float("inf")), (H.steps_left(), n)
    assert last <= p <= 1.0, (last, p)
    assert not H.budget_steps or p == n / H.budget_steps, (p, n)
    last = p
    loss = ((x @ w - 1) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    n += 1
    H.log(n, loss.item())
if H.budget_steps and n == H.budget_steps:
    assert H.progress() == 1.0 and H.time_left() == 0.0, (H.progress(), H.time_left())
H.save_model(Uniform(), data[:64].view(2, 32))
