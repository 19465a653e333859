#!/bin/bash
# Session 12, call 12: the FA3-paper grid beside SDPA's cuDNN and FA2 on main 412efc7's kernels
# (bench-ffi in .carry/s12/final), two samples back to back (bench.py --grids fa3 --reps 10
# --rounds 3), as session 7's closing calls 3-4.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1
for k in 1 2; do
  timeout 280 python3 bench/bench.py --lib .carry/s12/final --grids fa3 --reps 10 --rounds 3 --out $L/bench$k.md > $L/bench$k.log 2>&1; stamp "bench $k" $? | tee -a $L/rc.txt
done
grep -hE "^\|" $L/bench1.md | head -40
true
