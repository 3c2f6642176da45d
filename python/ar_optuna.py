"""The model-based proposers' optimiser: one Optuna study (TPE or CMA-ES)
over a task's declared search space, asked and told over a pipe.

The loop (trusted) starts this process once per proposer and speaks one
JSON object per line on stdin, answered by one on stdout:

  {"op": "init", "sampler": "tpe"|"cmaes", "seed": N, "direction":
   "minimize"|"maximize", "space": [PARAM...], "x0": {NAME: VALUE},
   "history": [{"params": {NAME: VALUE}, "value": V}]}
      a fresh study; history is what earlier experiments of the same
      script structure measured (any proposer, any run). TPE learns from
      it directly; CMA-ES starts from it (warm start) or from x0.
  {"op": "version"}             -> {"version": OPTUNA'S} (no study needed)
  {"op": "add", "history": [...]}          points measured since init
  {"op": "ask"}                 -> {"trial": N, "params": {NAME: VALUE}}
  {"op": "tell", "trial": N, "value": V}   a measured point
  {"op": "tell", "trial": N}               a point that says nothing
  {"op": "importance"}          -> {"importance": {NAME: SHARE}}
  {"op": "count"}               -> {"complete": N, "failed": N} (for tests)

A PARAM is {"name", "kind": "log"|"range"|"choice", "int": bool, "lo",
"hi", "choices"}. A choice of numbers is ordered (batch sizes, widths):
it is searched across its choices in order, so both samplers see which
choices are neighbours. Every answer carries "ok"; a failed request answers
{"ok": false, "error": TEXT} and the study goes on.

With --background (the views' importance, measured beside training) it
first lowers its own CPU priority, before it imports anything: nice 19,
and its session's autogroup (the loop starts it in a session of its
own) to 19 too, where the kernel shares the CPU between sessions first.
"""

import json
import math
import os
import sys
import warnings

if "--background" in sys.argv:
    try:
        with open("/proc/self/autogroup", "w") as f:
            f.write("19")
    except OSError:
        pass  # no autogroups here: the nice value alone counts
    os.nice(19)

warnings.simplefilter("ignore")

import optuna  # noqa: E402
from optuna.distributions import FloatDistribution  # noqa: E402
from optuna.trial import TrialState, create_trial  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.ERROR)

# Below this many measured points a warm start of CMA-ES has too little to
# estimate a distribution from; it starts at x0 instead.
WARM_START_MIN = 10

# Every parameter is searched as a unit coordinate u in [0, 1]: linear in
# the value (range), in its logarithm (log), or across the choices' bins
# (choice). One scale for all keeps CMA-ES's step size (a sixth of the
# narrowest range) from shrinking to one parameter's width, and lets an
# integer on a log scale reach its whole domain.
UNIT = FloatDistribution(0.0, 1.0)


def to_value(p, u):
    """The script's value at unit coordinate u."""
    u = min(1.0, max(0.0, u))
    if p["kind"] == "choice":
        return p["choices"][min(len(p["choices"]) - 1, int(u * len(p["choices"])))]
    lo, hi = p["lo"], p["hi"]
    v = math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo))) if p["kind"] == "log" else lo + u * (hi - lo)
    if p["int"]:
        v = min(math.floor(hi), max(math.ceil(lo), round(v)))
    return v


def to_unit(p, v):
    """The unit coordinate of a script's value, None when outside the domain."""
    if p["kind"] == "choice":
        for i, c in enumerate(p["choices"]):
            if math.isclose(c, v, rel_tol=1e-9, abs_tol=1e-12):
                return (i + 0.5) / len(p["choices"])
        return None
    lo, hi = p["lo"], p["hi"]
    if not lo <= v <= hi:
        return None
    if p["kind"] == "log":
        return (math.log(v) - math.log(lo)) / (math.log(hi) - math.log(lo))
    return (v - lo) / (hi - lo)


class Study:
    def __init__(self, req):
        self.space = {p["name"]: p for p in req["space"]}
        if not self.space:
            raise ValueError("the search space is empty")
        self.dists = {name: UNIT for name in self.space}
        history = self.trials(req)
        self.study = optuna.create_study(direction=req["direction"], sampler=self.sampler(req, history))
        self.study.add_trials(history)

    def trials(self, req):
        """The points of req's history in the space, as finished trials."""
        return [t for t in (self.frozen(h) for h in req.get("history") or []) if t is not None]

    def sampler(self, req, history):
        seed = req.get("seed")
        if req["sampler"] == "tpe":
            # multivariate: hyperparameters interact (learning rate and batch
            # size); constant_liar: workers side by side do not all ask for
            # the same point while the first one trains.
            return optuna.samplers.TPESampler(seed=seed, multivariate=True, constant_liar=True, n_startup_trials=8)
        if req["sampler"] != "cmaes":
            raise ValueError(f"unknown sampler {req['sampler']!r}")
        # Enough points: the search starts from a distribution fitted to the
        # best of them; else it is centred on x0 (the parent's values).
        if len(history) >= WARM_START_MIN:
            return optuna.samplers.CmaEsSampler(seed=seed, source_trials=history)
        x0 = {n: to_unit(self.space[n], v) for n, v in (req.get("x0") or {}).items() if n in self.space}
        x0 = {n: u for n, u in x0.items() if u is not None}
        return optuna.samplers.CmaEsSampler(seed=seed, x0=x0 if len(x0) == len(self.space) else None)

    def frozen(self, h):
        params = {}
        for name in self.space:
            if name not in h["params"]:
                return None
            v = to_unit(self.space[name], h["params"][name])
            if v is None:
                return None
            params[name] = v
        return create_trial(params=params, distributions=self.dists, value=float(h["value"]), state=TrialState.COMPLETE)

    def ask(self):
        trial = self.study.ask(self.dists)
        return {"trial": trial.number, "params": {n: to_value(self.space[n], u) for n, u in trial.params.items()}}

    def tell(self, req):
        if req.get("value") is None:
            self.study.tell(req["trial"], state=TrialState.FAIL)
        else:
            self.study.tell(req["trial"], float(req["value"]))
        return {}

    def importance(self):
        from optuna.importance import FanovaImportanceEvaluator, get_param_importances

        done = [t for t in self.study.trials if t.state == TrialState.COMPLETE]
        if len(done) < 2:
            return {"importance": {}}
        shares = get_param_importances(self.study, evaluator=FanovaImportanceEvaluator(seed=0))
        return {"importance": {n: float(v) for n, v in shares.items()}}


def handle(study, req):
    op = req.get("op")
    if op == "version":
        return study, {"version": optuna.__version__}
    if op == "init":
        return Study(req), {}
    if study is None:
        raise ValueError("no study yet: send init first")
    if op == "add":
        study.study.add_trials(study.trials(req))
        return study, {}
    if op == "ask":
        return study, study.ask()
    if op == "tell":
        return study, study.tell(req)
    if op == "importance":
        return study, study.importance()
    if op == "count":
        states = [t.state for t in study.study.trials]
        return study, {"complete": states.count(TrialState.COMPLETE), "failed": states.count(TrialState.FAIL)}
    raise ValueError(f"unknown op {op!r}")


def main():
    study = None
    for line in sys.stdin:
        try:
            study, answer = handle(study, json.loads(line))
            answer["ok"] = True
            text = json.dumps(answer, allow_nan=False)
        except Exception as e:  # noqa: BLE001 - every failure is answered, the study goes on
            text = json.dumps({"ok": False, "error": f"{type(e).__name__}: {e}"})
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
