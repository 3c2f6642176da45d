# expect: metric
# Tries the internet (by address and by name) and a server on the host's
# loopback.
import socket

import torch

import harness as H

class Uniform(torch.nn.Module):
    def forward(self, x):
        return torch.zeros(x.shape[0], x.shape[1], 256)


def finish():
    data = H.train_data()
    H.save_model(Uniform(), data[:64].view(2, 32))

ok = []
for addr in (("1.1.1.1", 443), ("8.8.8.8", 53), ("127.0.0.1", __PORT__)):
    try:
        s = socket.create_connection(addr, timeout=2)
        s.close()
        ok.append(str(addr))
    except OSError:
        pass
try:
    socket.getaddrinfo("pypi.org", 443)
    ok.append("dns")
except OSError:
    pass
if ok:
    raise SystemExit("ESCAPED: connected to " + ", ".join(ok))
finish()
