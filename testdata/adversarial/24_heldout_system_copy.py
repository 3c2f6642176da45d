# expect: crash
# excerpt: held-out data not reachable
# task: fashion-mnist
# include: memorise.py
# proof: unsealed-metric-below 0.02
# Memorises the validation and test images from the copy of the raw data
# set that Debian ships (dataset-fashion-mnist): a public path.
memorise([("system copy", from_raw, "/usr/share/datasets/fashion-mnist")])
