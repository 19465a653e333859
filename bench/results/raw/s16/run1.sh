#!/bin/bash
# Session 16, call 1: main 927cd95's kernels (bench/build.sh into .carry/bench) with
# variants_speed.py's new rows column: each window against the plain full entry on rows as
# long as the window's (sq = seqlen, sk = the keys a row sees), and cuDNN's full kernel on the
# same rows. Two samples, 5 rounds each.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; W=/tmp/w1; mkdir -p "$out" $W; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
for i in 1 2; do
  timeout 200 python3 bench/variants_speed.py --lib .carry/bench --parts variants --seqlens 8192,16384 --reps 10 --rounds 5 --no-flex --out $L/variants$i.md > $L/variants$i.log 2>&1; stamp "variants $i" $?
done
grep -E "^\| (8192|16384)" $L/variants1.md $L/variants2.md | awk -F'|' '{print $1,$2,$3,$4,$5,$6,$7,$8}'
true
