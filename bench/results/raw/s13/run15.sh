#!/bin/bash
# Session 13, call 15: a second sample of issue 9's ratios (bench/variants_speed.py, as call 10)
# on the same build (.carry/s13/final: main bb52b31's kernels, which main's later commits keep).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; s=$(date +%s); bin=.carry/s13/final
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1
timeout 400 python3 bench/variants_speed.py --lib $bin --parts variants,varlen --seqlens 8192,16384 \
  --varlen-seqlens 4096,16384 --reps 10 --rounds 3 --no-flex --out $L/variants.md > $L/variants.log 2>&1; stamp "variants_speed" $? | tee -a $L/rc.txt
grep -E "^\|" $L/variants.md | head -60
true
