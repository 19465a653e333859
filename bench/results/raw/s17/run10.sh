#!/bin/bash
# Session 17, call 10: the closing variants_speed run on main 27957cd (after `bash bench/build.sh`):
# variants (x plain, x rows with the rows kernel checked against cuDNN) and varlen, 5 rounds.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
timeout 280 python3 bench/variants_speed.py --lib .carry/bench --parts variants,varlen --seqlens 8192,16384 --varlen-seqlens 4096,16384 --reps 10 --rounds 5 --no-flex --out $L/variants.md > $L/variants.log 2>&1; stamp variants $?
tail -14 $L/variants.md
true
