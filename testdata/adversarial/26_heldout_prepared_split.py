# expect: crash
# excerpt: held-out data not reachable
# task: fashion-mnist
# include: memorise.py
# proof: unsealed-metric-below 0.02
# Reads the prepared validation and test splits themselves, at the path
# the public code computes (cache/prepared/<task>-<key of prepare.py and
# the raw checksums>), here given exactly.
memorise([("prepared splits", from_prepared, "__PREPARED__")])
