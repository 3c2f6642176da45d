# expect: export
# excerpt: exported model does not load
# proof: model-load-fails-unsealed rpc_sync
# Exports a scripted model that makes a remote call (torch.distributed.rpc,
# TorchScript's one way to reach another machine) while it is evaluated.
# No RPC agent exists in the evaluator, so the model does not even load
# (anywhere: the proof shows the load fails on its remote call, not on
# anything else); a model that opened a socket by any other means would
# meet the seal (TestSealKills shows it kills socket and connect).
import json

import torch
import torch.distributed.rpc as rpc
from torch import Tensor

import harness as H


@torch.jit.script
def echo(x: Tensor) -> Tensor:
    return x


class Remote(torch.nn.Module):
    def forward(self, x):
        return rpc.rpc_sync("collector", echo, (x,)).float().unsqueeze(-1).expand(-1, -1, 256) * 0


H.train_data()
torch.jit.script(Remote()).save("model.pt")
with open("model.pt.json", "w") as f:
    json.dump({"input_shape": [2, 32], "input_dtype": "torch.int64"}, f)
