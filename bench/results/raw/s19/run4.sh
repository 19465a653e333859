#!/bin/bash
# Session 19, call 4: the closing run of issue 9's table with variants_speed.py's goal table (the
# reading of record, session 19), three times, on main's kernels (unchanged since session 18's
# call 9; `bash bench/build.sh` on this commit).
set -uo pipefail
out=${OUT:-/tmp/out}; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,power.limit,temperature.gpu --format=csv; } | tee $out/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
for i in 1 2 3; do
  timeout 170 python3 bench/variants_speed.py --lib .carry/bench --parts variants,varlen --seqlens 8192,16384 \
    --varlen-seqlens 4096,16384 --reps 10 --rounds 5 --no-flex --out $out/variants$i.md > $out/variants$i.log 2>&1
  stamp "variants $i" $?
  sed -n "/^Issue 9's goal/,\$p" $out/variants$i.md
done
true
