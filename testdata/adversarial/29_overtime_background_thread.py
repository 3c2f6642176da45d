# expect: overtime
# excerpt: on a 1.0 s budget (start-up
# Saves on time, while a thread it started keeps training past the budget
# and saves the better model over the first; the main code waits for it.
import threading
import time

import torch

import harness as H


class Uniform(torch.nn.Module):
    def forward(self, x):
        return torch.zeros(x.shape[0], x.shape[1], 256)


data = H.train_data()


def more_training():
    end = time.time() + 4 * H.budget
    w = torch.randn(128, 128)
    while time.time() < end:
        w = torch.tanh(w @ w)
    H.save_model(Uniform(), data[:64].view(2, 32))


worker = threading.Thread(target=more_training)
worker.start()
while H.time_left() > 0:
    time.sleep(0.05)
H.save_model(Uniform(), data[:64].view(2, 32))
worker.join()
