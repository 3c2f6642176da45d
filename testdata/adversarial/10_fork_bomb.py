# expect: crash|timeout
# Forks without end (every child forks too). It ends when its first process
# fails to fork (crash), or at the time limit when that process is starved.
import os

import harness as H

H.train_data()
while True:
    os.fork()
