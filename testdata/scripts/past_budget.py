# Trains past its budget on purpose (sleeps four seconds beyond it, well
# within the kill deadline) and then exports a model: overtime.
import time

import torch

import harness as H


class Uniform(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.bias = torch.nn.Parameter(torch.zeros(256))

    def forward(self, x):
        return self.bias.expand(x.shape[0], x.shape[1], 256)


data = H.train_data()
H.log(0, 5.5)
time.sleep(H.budget + 4)
H.save_model(Uniform(), data[:64].view(2, 32))
