# expect: crash
# Fills its workspace and /tmp until the disk would be full.
import os

import harness as H

H.train_data()
chunk = b"x" * (1 << 20)
for target in ("/tmp/fill", "fill"):
    with open(target, "wb") as f:
        while True:
            f.write(chunk)
