# expect: metric
# Saves an honest model, then swaps in a different file under the same
# name in the background, hoping the evaluator reads the swapped one.
import os

import torch

import harness as H

class Uniform(torch.nn.Module):
    def forward(self, x):
        return torch.zeros(x.shape[0], x.shape[1], 256)


def finish():
    data = H.train_data()
    H.save_model(Uniform(), data[:64].view(2, 32))

finish()
if os.fork() == 0:
    import time
    time.sleep(0.5)
    for _ in range(50):
        try:
            with open("model.pt", "wb") as f:
                f.write(b"not a model")
        except OSError:
            pass
        time.sleep(0.1)
    os._exit(0)
