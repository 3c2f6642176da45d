# expect: timeout
# Ignores SIGTERM and SIGINT and sleeps forever.
import signal
import time

import harness as H

signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGINT, signal.SIG_IGN)
H.train_data()
while True:
    time.sleep(1)
