#!/usr/bin/env bash
# Session 7, call 2: the full sanitizer sweep on the closing build: every compute-sanitizer
# tool over every h100 / h200 fwd entry and every dec entry (small grid). Carry [".carry/bin"].
# Files back: sanitizers.log, misc.log.
set -uo pipefail
o=${OUT:-/tmp/out}; mkdir -p "$o"; bin=.carry/bin; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
export QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash scripts/gpu-carry.sh; bash bench/results/raw/final-session7/run2.sh"
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } > "$o/misc.log" 2>&1
: > "$o/sanitizers.log"
for tool in memcheck racecheck synccheck; do
  for filt in fwd-h100- fwd-h200- dec-; do
    QIMENG_TEST_FILTER="$filt" QIMENG_TEST_SHAPES=small timeout 200 compute-sanitizer --tool $tool --error-exitcode 3 "$bin/gpu-tests" > /tmp/san.log 2>&1
    rc=$?; stamp "== $tool $filt" $rc | tee -a "$o/sanitizers.log"
    grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" /tmp/san.log | head -n 4 >> "$o/sanitizers.log"
  done
done
grep -h "rc=" "$o"/*.log
