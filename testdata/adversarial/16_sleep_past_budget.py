# expect: timeout
# Sleeps far past its budget, never checking time_left().
import time

import harness as H

H.train_data()
time.sleep(3600)
