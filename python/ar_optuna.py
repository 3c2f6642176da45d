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

A PARAM is {"name", "kind": "log"|"range"|"choice", "int": bool, "lo",
"hi", "choices"}. A choice of numbers is ordered (batch sizes, widths):
it is searched as its index, so both samplers see which choices are
neighbours. Every answer carries "ok"; a failed request answers
{"ok": false, "error": TEXT} and the study goes on.
"""

import json
import math
import sys
import warnings

warnings.simplefilter("ignore")

import optuna  # noqa: E402
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution  # noqa: E402
from optuna.trial import TrialState, create_trial  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.ERROR)

# Below this many measured points a warm start of CMA-ES has too little to
# estimate a distribution from; it starts at x0 instead.
WARM_START_MIN = 10


def distribution(p):
    if p["kind"] == "choice":
        return IntDistribution(0, len(p["choices"]) - 1)
    log = p["kind"] == "log"
    if p["int"]:
        return IntDistribution(int(math.ceil(p["lo"])), int(math.floor(p["hi"])), log=log)
    return FloatDistribution(p["lo"], p["hi"], log=log)


class Study:
    def __init__(self, req):
        self.space = {p["name"]: p for p in req["space"]}
        if not self.space:
            raise ValueError("the search space is empty")
        self.dists = {name: distribution(p) for name, p in self.space.items()}
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
        # with_margin keeps integer and index parameters from collapsing on
        # one value; the first sample is the best so far (x0).
        if len(history) >= WARM_START_MIN:
            return optuna.samplers.CmaEsSampler(seed=seed, source_trials=history, with_margin=True)
        x0 = {n: self.internal(n, v) for n, v in (req.get("x0") or {}).items() if n in self.space}
        x0 = {n: v for n, v in x0.items() if v is not None}
        return optuna.samplers.CmaEsSampler(seed=seed, x0=x0 if len(x0) == len(self.space) else None, with_margin=True)

    def internal(self, name, value):
        """The study's value of a parameter's script value (a choice's index), None when outside its domain."""
        p, d = self.space[name], self.dists[name]
        if p["kind"] == "choice":
            for i, c in enumerate(p["choices"]):
                if math.isclose(c, value, rel_tol=1e-9, abs_tol=1e-12):
                    return i
            return None
        v = int(round(value)) if isinstance(d, IntDistribution) else float(value)
        return v if d.low <= v <= d.high else None

    def external(self, name, value):
        p = self.space[name]
        return p["choices"][value] if p["kind"] == "choice" else value

    def frozen(self, h):
        params = {}
        for name in self.space:
            if name not in h["params"]:
                return None
            v = self.internal(name, h["params"][name])
            if v is None:
                return None
            params[name] = v
        return create_trial(params=params, distributions=self.dists, value=float(h["value"]), state=TrialState.COMPLETE)

    def ask(self):
        trial = self.study.ask(self.dists)
        return {"trial": trial.number, "params": {n: self.external(n, v) for n, v in trial.params.items()}}

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
    raise ValueError(f"unknown op {op!r}")


def main():
    study = None
    for line in sys.stdin:
        try:
            study, answer = handle(study, json.loads(line))
            answer["ok"] = True
        except Exception as e:  # noqa: BLE001 - every failure is answered, the study goes on
            answer = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
