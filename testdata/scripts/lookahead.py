# A model that reads the next byte from its input: it would score almost 0
# bits per byte if the evaluator did not check causality.
import torch

import harness as H


class Peek(torch.nn.Module):
    def forward(self, x):
        nxt = torch.roll(x, -1, dims=1)
        return torch.nn.functional.one_hot(nxt, 256).float() * 50.0


data = H.train_data()
H.save_model(Peek(), data[:64].view(2, 32))
