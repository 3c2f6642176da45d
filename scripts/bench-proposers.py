"""Summarises scripts/bench-proposers.sh's exports (OUT/PROPOSER-REPEAT.json).

For each run: the best kept validation error after 10, 20 and 30 proposed
experiments (the best is what the tool keeps: the acceptance rule's), the
held-out test error of the run's best, and the baseline's spread over its
seeds (the noise floor of one experiment). Then per proposer the median
and range over repeats, and how many repeats each beat random in.
"""
import glob
import json
import os
import statistics
import sys

CUTS = (10, 20, 30)


def best_after(rows, k):
    """The best kept mean among the baseline and the first k proposed."""
    kept = [e["metric"] for e in rows if e["seq"] <= k + 1 and e["status"] == "kept" and e["metric"] is not None]
    return min(kept) if kept else None


def run_summary(path):
    rows = json.load(open(path))
    base = next(e for e in rows if e["mode"] == "baseline")
    kept = [e for e in rows if e["status"] == "kept"]
    best = min(kept, key=lambda e: e["metric"]) if kept else None
    return {
        "cuts": {k: best_after(rows, k) for k in CUTS},
        "test": best["test_metric"] if best else None,
        "noise": base["metric_std"],
        "done": len(rows) - 1,
        "failed": sum(e["status"] == "failed" for e in rows),
        "kept": len(kept) - 1,
    }


def fmt(v):
    return "–" if v is None else f"{v:.4f}"


def main(out):
    runs = {}
    for path in sorted(glob.glob(os.path.join(out, "*-*.json"))):
        name, repeat = os.path.basename(path)[:-5].rsplit("-", 1)
        runs.setdefault(name, {})[int(repeat)] = run_summary(path)
    print("| proposer | repeat | proposed | kept | failed | best after 10 | 20 | 30 | test error of the best | baseline's seed std |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, reps in runs.items():
        for r, s in sorted(reps.items()):
            c = s["cuts"]
            print(f"| {name} | {r} | {s['done']} | {s['kept']} | {s['failed']} | {fmt(c[10])} | {fmt(c[20])} | {fmt(c[30])} | {fmt(s['test'])} | {fmt(s['noise'])} |")
    print()
    print("| proposer | median best after 10 (range) | after 20 | after 30 | median test error | repeats better than random at 30 |")
    print("|---|---|---|---|---|---|")
    rand = runs.get("random", {})
    for name, reps in runs.items():
        cells = []
        for k in CUTS:
            vals = [s["cuts"][k] for s in reps.values() if s["cuts"][k] is not None]
            cells.append(f"{statistics.median(vals):.4f} ({min(vals):.4f}–{max(vals):.4f})" if vals else "–")
        tests = [s["test"] for s in reps.values() if s["test"] is not None]
        wins = sum(1 for r, s in reps.items() if r in rand and s["cuts"][30] is not None and rand[r]["cuts"][30] is not None
                   and s["cuts"][30] < rand[r]["cuts"][30])
        shared = sum(1 for r in reps if r in rand)
        print(f"| {name} | {cells[0]} | {cells[1]} | {cells[2]} | {fmt(statistics.median(tests)) if tests else '–'} | {wins} of {shared} |")
    noise = [s["noise"] for reps in runs.values() for s in reps.values() if s["noise"] is not None]
    if noise:
        print(f"\nnoise floor (the baseline's std over its seeds, median over runs): {statistics.median(noise):.4f}")


if __name__ == "__main__":
    main(sys.argv[1])
