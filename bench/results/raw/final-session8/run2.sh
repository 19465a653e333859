#!/usr/bin/env bash
# Session 8's closing call 2 on the merged main (carry [".carry/bench"]): two samples of the
# variant grid and one of the FA3 grid (the plain entries' PTX is unchanged by kFixedMax).
# Files back: variants-1.md, variants-2.md, fa3.md, bench.log, card.txt.
set -uo pipefail
o=${OUT:-/tmp/out}; mkdir -p "$o"; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } > "$o/card.txt" 2>&1
export PYTHONUNBUFFERED=1
cd .carry/bench
for n in 1 2; do
  timeout 150 python3 variants_speed.py --lib . --seqlens 8192 --varlen-seqlens 4096 --reps 10 --rounds 3 --no-flex --out "$o/variants-$n.md" >> "$o/bench.log" 2>&1; stamp "variants $n" $? | tee -a "$o/bench.log"
done
timeout 90 python3 bench.py --lib . --grids fa3 --reps 10 --rounds 3 --out "$o/fa3.md" >> "$o/bench.log" 2>&1; stamp "bench fa3" $? | tee -a "$o/bench.log"
grep -h "rc=" "$o"/bench.log
grep -E "^\| 8192" "$o"/variants-*.md | cut -d'|' -f2-8
