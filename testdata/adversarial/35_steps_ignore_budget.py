# expect: overtime
# budget-steps: 20
# excerpt: took gradient step 21 on a budget of 20 steps
# Under a budget of 20 gradient steps, takes 500 without asking
# H.time_left(), all well inside the 1 s ceiling (so the clock alone would
# not catch it), then saves.
import torch

import harness as H


class Uniform(torch.nn.Module):
    def forward(self, x):
        return torch.zeros(x.shape[0], x.shape[1], 256)


data = H.train_data()
w = torch.zeros(16, requires_grad=True)
opt = torch.optim.SGD([w], lr=0.1)
for step in range(500):
    loss = ((w - 1) ** 2).sum()
    opt.zero_grad()
    loss.backward()
    opt.step()
raise SystemExit(f"ESCAPED: took 500 gradient steps on a budget of {H.budget_steps}")
