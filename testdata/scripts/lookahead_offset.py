# A model that reads the next byte at every position and hides it under a
# constant added to every logit (which changes no probability): a check
# that compares raw logits with a relative tolerance would let the peek
# through.
import torch

import harness as H


class PeekOffset(torch.nn.Module):
    def forward(self, x):
        nxt = torch.roll(x, -1, dims=1)
        return 1e5 + torch.nn.functional.one_hot(nxt, 256).float() * 50.0


data = H.train_data()
H.save_model(PeekOffset(), data[:64].view(2, 32))
