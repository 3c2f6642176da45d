"""Writes a small archive in the real cifar-10-python.tar.gz layout:
cifar-10-batches-py/{data_batch_1..5,test_batch,batches.meta}, each a
pickle with bytes keys, data uint8 [N, 3072] row-major RGB planes."""
import io
import pickle
import sys
import tarfile

import numpy as np

out, per_batch = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(0)


def batch(name):
    labels = rng.integers(0, 10, per_batch).tolist()
    data = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)
    files = [f"{name}_{i}.png".encode() for i in range(per_batch)]
    return {b"batch_label": name.encode(), b"labels": labels, b"data": data, b"filenames": files}


with tarfile.open(out, "w:gz") as tar:
    members = {f"data_batch_{i}": batch(f"data_batch_{i}") for i in range(1, 6)}
    members["test_batch"] = batch("test_batch")
    members["batches.meta"] = {b"label_names": [b"airplane", b"automobile", b"bird", b"cat", b"deer",
                                                b"dog", b"frog", b"horse", b"ship", b"truck"],
                               b"num_cases_per_batch": per_batch, b"num_vis": 3072}
    for name, obj in members.items():
        raw = pickle.dumps(obj, protocol=2)
        info = tarfile.TarInfo("cifar-10-batches-py/" + name)
        info.size = len(raw)
        tar.addfile(info, io.BytesIO(raw))
