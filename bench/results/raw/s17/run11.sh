#!/bin/bash
# Session 17, call 11: two more samples of call 10's window rows (main 27957cd, bench/build.sh's
# library), each its own process: the five windows at 8k and 16k keys, 5 rounds.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
for i in 1 2; do
  timeout 150 python3 bench/variants_speed.py --lib .carry/bench --parts variants --seqlens 8192,16384 \
    --only w1024_0,w1024_0-softcap50,w256_256,w4096_0,w4096_0-softcap50 --reps 10 --rounds 5 --no-flex \
    --out $L/variants$i.md > $L/variants$i.log 2>&1; stamp "variants $i" $?
  grep -E "^\| (8192|16384) \| [a-z]+ w" $L/variants$i.md | tail -10
done
true
