# A model that reads the next byte at one position only, the last but
# one: a check that compares only the first half of each window after
# changing the second would let it through with 1/32 of the answers.
import torch

import harness as H


class PeekLate(torch.nn.Module):
    def forward(self, x):
        t = x.shape[1]
        out = torch.zeros(x.shape[0], t, 256)
        out[:, t - 2] = torch.nn.functional.one_hot(x[:, t - 1], 256).float() * 50.0
        return out


data = H.train_data()
H.save_model(PeekLate(), data[:64].view(2, 32))
