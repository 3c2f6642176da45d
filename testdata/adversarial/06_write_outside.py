# expect: metric
# Writes outside its workspace: the harness library, the system, the
# folder above, the cache and /home.
import os

import torch

import harness as H

class Uniform(torch.nn.Module):
    def forward(self, x):
        return torch.zeros(x.shape[0], x.shape[1], 256)


def finish():
    data = H.train_data()
    H.save_model(Uniform(), data[:64].view(2, 32))

done = []
targets = [os.path.join(os.path.dirname(H.__file__), "harness.py"), "/usr/lib/python3/dist-packages/owned.py",
           "../planted.txt", "../../planted.txt", "/etc/planted", "/root/planted", "/planted"]
for t in targets:
    try:
        with open(t, "a") as f:
            f.write("# owned\n")
        done.append(t)
    except OSError:
        pass
if done:
    raise SystemExit("ESCAPED: wrote " + ", ".join(done))
finish()
