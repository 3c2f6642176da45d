# Starts a child and then never finishes: both must be killed.
import subprocess
import time

import harness as H

H.train_data()
subprocess.Popen(["sleep", "777.25"])
while True:
    time.sleep(1)
