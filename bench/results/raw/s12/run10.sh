#!/bin/bash
# Session 12, call 10: issue 9's ratios from one closing run on main (bench-ffi of main 412efc7 in
# .carry/s12/final: `cargo build --release -p qimeng-bench-ffi`): bench/variants_speed.py, every
# variant at 8k and 16k keys and varlen at 4k and 16k, x our plain entry, work-normalized.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1
timeout 400 python3 bench/variants_speed.py --lib .carry/s12/final --parts variants,varlen --seqlens 8192,16384 \
  --varlen-seqlens 4096,16384 --reps 10 --rounds 3 --no-flex --out $L/variants.md > $L/variants.log 2>&1; stamp "variants_speed" $? | tee -a $L/rc.txt
grep -E "^\|" $L/variants.md | head -60
true
