# expect: overtime
# budget-steps: 20
# excerpt: on a budget of 20 steps
# Rebinds os.write and os._exit before its own `import harness`, so that a
# harness that took them then would neither report its steps nor end the
# process past the budget, then takes 200 steps.
import os

os.write = lambda fd, data: len(data)
os._exit = lambda code: None

import torch  # noqa: E402

import harness as H  # noqa: E402

data = H.train_data()
w = torch.zeros(16, requires_grad=True)
opt = torch.optim.SGD([w], lr=0.1)
for _ in range(200):
    loss = ((w - 1) ** 2).sum()
    opt.zero_grad()
    loss.backward()
    opt.step()
raise SystemExit(f"ESCAPED: took 200 gradient steps on a budget of {H.budget_steps}")
