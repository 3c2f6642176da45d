#!/usr/bin/env bash
# Installs what autoresearch needs to run: Python with PyTorch, NumPy and
# an optimised BLAS (and Optuna for the model-based proposers), bubblewrap,
# and Fashion-MNIST; with --test also what
# its tests need (Chromium, git, Slurm and munge for a private test
# cluster: scripts/slurm-cluster.sh). On Debian/Ubuntu through apt; elsewhere
# a virtualenv (.venv) with pip for PyTorch, and for the rest a message
# naming what to install. Does nothing when all is there already.
set -euo pipefail
cd "$(dirname "$0")/.."

test_deps=false
[[ ${1:-} == --test ]] && test_deps=true

has_torch() {
  for py in "${AUTORESEARCH_PYTHON:-}" python3 /usr/bin/python3 .venv/bin/python; do
    [[ -n $py ]] && command -v "$py" >/dev/null 2>&1 && "$py" -c 'import torch, numpy' >/dev/null 2>&1 && return 0
  done
  return 1
}

has_chromium() {
  command -v chromium >/dev/null 2>&1
}

# What a browser test needs, said where apt cannot give it (Ubuntu's
# chromium is a snap, whose private /tmp hides the pages the tests write).
no_chromium="Chromium as a chromium command (not a snap): Debian's chromium package, or a build from https://www.chromium.org"

apt_packages=(python3-torch python3-torchvision python3-numpy libopenblas0-pthread python3-optuna python3-cmaes python3-sklearn dataset-fashion-mnist bubblewrap)
if $test_deps; then
  apt_packages+=(git slurm-wlm slurmctld slurmd slurm-client munge)
  has_chromium || apt_packages+=(chromium)
fi

if command -v apt-get >/dev/null 2>&1; then
  missing=()
  for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    echo "installing ${missing[*]} with apt-get"
    $sudo apt-get update -q
    if [[ " ${missing[*]} " == *" chromium "* ]] && ! apt-cache show chromium 2>/dev/null | grep -q '^Filename: .*chromium_'; then
      echo "apt has no chromium package here; install $no_chromium, then run this again" >&2
      exit 1
    fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
  exit 0
fi

if ! has_torch; then
  echo "no apt-get: creating .venv with PyTorch and NumPy through pip"
  python3 -m venv .venv
  .venv/bin/pip install --quiet torch numpy optuna cmaes scikit-learn
  echo "made .venv; make uses it (or pass --python $(pwd)/.venv/bin/python)"
fi
absent=()
command -v bwrap >/dev/null 2>&1 || absent+=("bubblewrap (the bwrap command; full isolation)")
if $test_deps; then
  has_chromium || absent+=("$no_chromium")
  command -v git >/dev/null 2>&1 || absent+=("git")
  command -v sbatch >/dev/null 2>&1 || absent+=("Slurm (slurmctld, slurmd and its client commands) and munge, for the cluster tests")
  [[ -d /usr/share/datasets/fashion-mnist ]] ||
    absent+=("Fashion-MNIST's four .gz files (train-/t10k-images-idx3-ubyte.gz, train-/t10k-labels-idx1-ubyte.gz) in /usr/share/datasets/fashion-mnist, where the tests look for Debian's copy")
fi
if ((${#absent[@]})); then
  echo "no apt-get: install these with your system's package manager, then run this again:" >&2
  printf '  - %s\n' "${absent[@]}" >&2
  echo "Fashion-MNIST downloads on first use; without bubblewrap, runs are only partly isolated and marked unsealed." >&2
  $test_deps && exit 1
fi
exit 0
