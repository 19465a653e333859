#!/bin/bash
# Session 18, call 7: five more samples of the 1024-key windows on rows of their length (main
# 907ef78, the kernels of session 17's closing runs, PTX unchanged), each its own
# variants_speed.py process, built by `bash bench/build.sh`.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
for i in 1 2 3 4 5; do
  timeout 90 python3 bench/variants_speed.py --lib .carry/bench --parts variants --seqlens 8192,16384 \
    --only w1024_0,w1024_0-softcap50 --reps 10 --rounds 5 --no-flex \
    --out $L/variants$i.md > $L/variants$i.log 2>&1; stamp "variants $i" $?
  grep -E "^\| (8192|16384) \| causal w1024_0[-a-z0-9]* \| 1025" $L/variants$i.md
done
true
