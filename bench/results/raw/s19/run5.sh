#!/bin/bash
# Session 19, call 5: one more run of issue 9's table with the reviewed goal table (a failed
# output check counts as not met), on main's kernels, to check the script end to end.
set -uo pipefail
out=${OUT:-/tmp/out}; s=$(date +%s)
{ date -u; nvidia-smi --query-gpu=name,driver_version,power.limit,temperature.gpu --format=csv; } | tee $out/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
timeout 170 python3 bench/variants_speed.py --lib .carry/bench --parts variants,varlen --seqlens 8192,16384 \
  --varlen-seqlens 4096,16384 --reps 10 --rounds 5 --no-flex --out $out/variants.md > $out/variants.log 2>&1
echo "variants rc=$? $(( $(date +%s) - s ))s"
sed -n "/^Issue 9's goal/,\$p" $out/variants.md
