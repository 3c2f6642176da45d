# expect: metric
# Rewrites the harness and torch in memory and on disk so that the
# evaluator would compute something else; only this process is affected.
import torch
import torch.nn.functional as F

import harness as H

class Uniform(torch.nn.Module):
    def forward(self, x):
        return torch.zeros(x.shape[0], x.shape[1], 256)


def finish():
    data = H.train_data()
    H.save_model(Uniform(), data[:64].view(2, 32))

F.cross_entropy = lambda *a, **k: torch.tensor(0.0)
torch.Tensor.log_softmax = lambda self, *a, **k: torch.zeros_like(self)
for path in (torch.__file__, F.__file__, H.__file__):
    try:
        with open(path, "a") as f:
            f.write("\ncross_entropy = lambda *a, **k: 0\n")
        raise SystemExit("ESCAPED: rewrote " + path)
    except OSError:
        pass
finish()
