# expect: overtime
# budget-steps: 20
# excerpt: on a budget of 20 steps
# Rebinds every name of the harness that has to do with the step budget
# (the budget, the count, the events pipe, time_left, progress), then
# takes its gradients with torch.autograd.grad from four threads and
# applies them by hand, with no optimiser: 400 gradient steps on a budget
# of 20.
import threading

import torch

import harness as H

H.budget_steps = 10**9
H._counted = lambda: 0
H._events_fd = -1
H.steps = lambda: 0
H.steps_left = lambda: 10**9
H.time_left = lambda: 1.0
H.progress = lambda: 0.0

data = H.train_data()
w = torch.zeros(16, requires_grad=True)
lock = threading.Lock()


def work():
    for _ in range(100):
        loss = ((w - 1) ** 2).sum()
        (g,) = torch.autograd.grad(loss, [w])
        with lock, torch.no_grad():
            w.sub_(0.1 * g)


threads = [threading.Thread(target=work) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
raise SystemExit("ESCAPED: took 400 gradient steps on a budget of 20")
