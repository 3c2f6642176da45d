# expect: crash
# excerpt: held-out data not reachable
# task: fashion-mnist
# include: memorise.py
# proof: unsealed-metric-below 0.02
# Memorises the validation and test images from the raw files in the
# autoresearch data cache, whose path it knows exactly, and from the
# default cache of the user it runs as.
memorise([("data cache", from_raw, "__CACHE_DATA__"),
          ("default cache", from_raw, os.path.expanduser("~/.cache/autoresearch/data/fashion-mnist"))])
