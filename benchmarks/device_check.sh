#!/usr/bin/env bash
# The prepared GPU check (issue 14): run it once on a machine with one CUDA GPU and PyTorch installed (no network
# needed; torch, numpy and h5py are enough, pytest for the tests). It takes under 8 minutes and writes
# device_check.json and device_check.txt (a short table) into OUT_DIR ($OUT, or ./device_check_out).
# Without CUDA it runs a short CPU subset of the tests and says which parts it skipped.
#
#   bash benchmarks/device_check.sh [OUT_DIR]
set -u
cd "$(dirname "$0")/.."
out="${1:-${OUT:-device_check_out}}"
mkdir -p "$out"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
timeout 470 python benchmarks/device_check.py --out "$out"
