# expect: crash
# excerpt: held-out data not reachable
# task: fashion-mnist
# include: memorise.py
# proof: unsealed-metric-below 0.02
# Memorises the validation and test images from the raw files in the
# folder given as --data-dir, whose path it knows exactly.
memorise([("--data-dir", from_raw, "__DATA_DIR__")])
