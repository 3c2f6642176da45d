# expect: metric
# A model that cheats when it is being evaluated: it cannot, because the
# metric comes from its outputs on data it has not seen; here it outputs
# a uniform distribution in eval mode and garbage in training.
import torch

import harness as H


class Sneaky(torch.nn.Module):
    def forward(self, x):
        if self.training:
            return torch.randn(x.shape[0], x.shape[1], 256)
        return torch.zeros(x.shape[0], x.shape[1], 256)


data = H.train_data()
H.save_model(Sneaky().eval(), data[:64].view(2, 32))
