# A valid script whose model predicts every byte with equal probability:
# the evaluator must report exactly 8 bits per byte.
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
H.save_model(Uniform(), data[:64].view(2, 32))
