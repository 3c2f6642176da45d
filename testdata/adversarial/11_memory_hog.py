# expect: oom
# Asks for far more memory than the machine has.
import torch

import harness as H

H.train_data()
blocks = [torch.ones(1 << 40, dtype=torch.uint8)]
