#!/bin/bash
# Session 19, call 3: issue 9's whole speed table on main 3122de1's kernels (after `bash
# bench/build.sh`), three times in a row: variants (x plain; windows also x rows, with the rows
# kernel checked against cuDNN) and varlen, 5 rounds of 10 each.
set -uo pipefail
out=${OUT:-/tmp/out}; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,power.limit,temperature.gpu --format=csv; } | tee $out/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
for i in 1 2 3; do
  timeout 170 python3 bench/variants_speed.py --lib .carry/bench --parts variants,varlen --seqlens 8192,16384 \
    --varlen-seqlens 4096,16384 --reps 10 --rounds 5 --no-flex --out $out/variants$i.md > $out/variants$i.log 2>&1
  stamp "variants $i" $?
  grep -E "x rows|^\| (8192|16384) \| (causal|full) " $out/variants$i.md | grep -E "x rows|\| [0-9]+ \| (causal|full) [a-z0-9_-]+ \| [0-9]+ \|" | head -12
done
true
