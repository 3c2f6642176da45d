# expect: export
# Exits cleanly without saving a model.
import sys

import harness as H

H.train_data()
sys.exit(0)
