# A causal model that cheats across windows: it predicts each window's
# last byte as the first byte of the next window in its batch, which is
# what follows it in the split when windows are scored in order. Every
# other position gets a uniform guess: 8 bits, so it scores below 8 bits
# per byte only if it guesses right.
import torch

import harness as H


class PeekNextWindow(torch.nn.Module):
    def forward(self, x):
        b, t = x.shape
        out = torch.zeros(b, t, 256)
        nxt = torch.roll(x[:, 0], -1, dims=0)
        out[:, t - 1] = torch.nn.functional.one_hot(nxt, 256).float() * 20.0
        return out


data = H.train_data()
H.save_model(PeekNextWindow(), data[:512].view(16, 32))
