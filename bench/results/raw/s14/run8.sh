#!/bin/bash
# Session 14, call 8: a second sample of issue 9's ratios on call 6's build (main 2ddb3bd).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; bin=.carry/s14/final; s=$(date +%s)
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
timeout 100 python3 bench/variants_speed.py --lib $bin --parts variants,varlen --seqlens 8192,16384 --varlen-seqlens 4096,16384 --reps 10 --rounds 3 --no-flex --out $L/variants.md > $L/variants.log 2>&1; echo "variants rc=$? $(( $(date +%s) - s ))s"
grep -E "^\| (8192|16384) " $L/variants.md | cut -d'|' -f2-8
true
