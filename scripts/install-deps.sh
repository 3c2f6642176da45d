#!/usr/bin/env bash
# Installs what autoresearch needs to run and test: Python with PyTorch,
# NumPy and an optimised BLAS, and Fashion-MNIST. On Debian/Ubuntu through
# apt; elsewhere a virtualenv (.venv) with pip. Does nothing when all is
# there already.
set -euo pipefail
cd "$(dirname "$0")/.."

has_torch() {
  for py in "${AUTORESEARCH_PYTHON:-}" python3 /usr/bin/python3 .venv/bin/python; do
    [[ -n $py ]] && command -v "$py" >/dev/null 2>&1 && "$py" -c 'import torch, numpy' >/dev/null 2>&1 && return 0
  done
  return 1
}

apt_packages=(python3-torch python3-torchvision python3-numpy libopenblas0-pthread dataset-fashion-mnist bubblewrap)

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
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
  exit 0
fi

if has_torch; then
  exit 0
fi
echo "no apt-get: creating .venv with PyTorch and NumPy through pip"
python3 -m venv .venv
.venv/bin/pip install --quiet torch numpy
echo "made .venv; make uses it (or pass --python $(pwd)/.venv/bin/python)"
