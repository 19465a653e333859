#!/usr/bin/env bash
# Session 7, call 2 on the closing build: the full sanitizer sweep (every compute-sanitizer tool
# over every h100 / h200 fwd entry and every dec entry, small grid), then a second sample of the
# FA3 grid. Carry [".carry/bin", ".carry/bench"].
# Files back: sanitizers.log, fa3-2.md, bench.log, misc.log.
set -uo pipefail
o=${OUT:-/tmp/out}; mkdir -p "$o"; bin=.carry/bin; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
export QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash scripts/gpu-carry.sh; bash bench/results/raw/final-session7/run2.sh"
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } > "$o/misc.log" 2>&1
: > "$o/sanitizers.log"
# racecheck first (call 2's fwd-h100- run passed 200 s: the small grid's 280-tile case), by dtype
for spec in racecheck:fwd-h100-bf16 racecheck:fwd-h100-f16 racecheck:fwd-h200- racecheck:dec- \
            synccheck:fwd-h100- synccheck:fwd-h200- synccheck:dec- \
            memcheck:fwd-h100- memcheck:fwd-h200- memcheck:dec-; do
  tool=${spec%%:*}; filt=${spec#*:}
  QIMENG_TEST_FILTER="$filt" QIMENG_TEST_SHAPES=small timeout 300 compute-sanitizer --tool $tool --error-exitcode 3 "$bin/gpu-tests" > /tmp/san.log 2>&1
  rc=$?; stamp "== $tool $filt" $rc | tee -a "$o/sanitizers.log"
  grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" /tmp/san.log | head -n 4 >> "$o/sanitizers.log"
done
export PYTHONUNBUFFERED=1
( cd .carry/bench
  timeout 60 python3 bench.py --lib . --grids fa3 --reps 10 --rounds 3 --out "$o/fa3-2.md" > "$o/bench.log" 2>&1; stamp "bench fa3" $? | tee -a "$o/bench.log" )
grep -h "rc=" "$o"/*.log
