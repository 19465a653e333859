#!/usr/bin/env bash
# Session 8's closing call 3, after hwin5's kKStages = 3 on the window entries (carry
# [".carry/bench"]: the bench-ffi library of main with it): two samples of the variant grid.
# hwin5's call 2 ran tests/gpu on every fa3 entry with the merged header (records committed);
# its call 1 ran the sanitizers on the three window entries (same PTX).
# Files back: variants-1.md, variants-2.md, bench.log, card.txt.
set -uo pipefail
o=${OUT:-/tmp/out}; mkdir -p "$o"; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } > "$o/card.txt" 2>&1
export PYTHONUNBUFFERED=1
cd .carry/bench
for n in 1 2; do
  timeout 150 python3 variants_speed.py --lib . --seqlens 8192 --varlen-seqlens 4096 --reps 10 --rounds 3 --no-flex --out "$o/variants-$n.md" >> "$o/bench.log" 2>&1; stamp "variants $n" $? | tee -a "$o/bench.log"
done
grep -h "rc=" "$o"/bench.log
grep -E "^\| 8192" "$o"/variants-*.md | cut -d'|' -f2-8
grep -E "equal 4096" "$o"/variants-*.md | cut -d'|' -f2-7
