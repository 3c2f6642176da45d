# expect: divergence
# Saves a model whose outputs are NaN.
import torch

import harness as H


class NaN(torch.nn.Module):
    def forward(self, x):
        return torch.full((x.shape[0], x.shape[1], 256), float("nan"))


data = H.train_data()
H.save_model(NaN(), data[:64].view(2, 32))
