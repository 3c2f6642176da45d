# Starts a child and then never finishes: both must be killed.
import subprocess
import sys
import time

import harness as H

H.train_data()
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(777.25)"])
while True:
    time.sleep(1)
