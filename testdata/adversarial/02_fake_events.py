# expect: metric
# Writes a metrics event on the events pipe of the train phase, as the
# trusted evaluator would on its own.
import json
import os

import torch

import harness as H

class Uniform(torch.nn.Module):
    def forward(self, x):
        return torch.zeros(x.shape[0], x.shape[1], 256)


def finish():
    data = H.train_data()
    H.save_model(Uniform(), data[:64].view(2, 32))

fd = int(os.environ.get("AUTORESEARCH_EVENTS_FD", "3"))
os.write(fd, (json.dumps({"metrics": {"val": 0.0, "test": 0.0}}) + "\n").encode())
os.write(fd, (json.dumps({"event": "metrics", "val": 0.0}) + "\n").encode())
finish()
