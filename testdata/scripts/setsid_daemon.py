# Leaves a daemon behind: a grandchild in a session of its own (setsid),
# whose command line carries the marker 313.37, then hangs. Nothing of it
# may outlive the seed's sandbox (a Slurm job's scancel included).
import os
import sys
import time

import harness as H  # noqa: F401

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(1e6)", "313.37"])
    os._exit(0)
time.sleep(1e6)
