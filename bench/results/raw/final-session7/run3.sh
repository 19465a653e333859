#!/usr/bin/env bash
# Session 7, call 5: d64 full's third schedule (TinySpec: the lean epilogue up to 512 keys,
# ShortSpec without it up to 1k). tests/gpu on every entry, full grid (records: the header's
# comment changed, so every fa3 entry is re-sealed), compute-sanitizer memcheck / racecheck /
# synccheck on the d64 full entries (small grid), then two samples of the FA3 grid.
# Carry [".carry/bin", ".carry/bench"]. Files back: verify.jsonl, gpu-tests.log, sanitizers.log,
# fa3-5.md, fa3-6.md, bench.log, misc.log.
set -uo pipefail
o=${OUT:-/tmp/out}; mkdir -p "$o"; bin=.carry/bin; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
export QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash scripts/gpu-carry.sh; bash bench/results/raw/final-session7/run3.sh"
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } > "$o/misc.log" 2>&1
QIMENG_VERIFY_LOG="$o/verify.jsonl" timeout 430 "$bin/gpu-tests" > "$o/gpu-tests.log" 2>&1; stamp "gpu tests" $? | tee -a "$o/gpu-tests.log"
grep -E "FAIL|^kernels:" "$o/gpu-tests.log" | tail -n 20
: > "$o/sanitizers.log"
for tool in memcheck racecheck synccheck; do
  QIMENG_TEST_FILTER=d64-full QIMENG_TEST_SHAPES=small timeout 60 compute-sanitizer --tool $tool --error-exitcode 3 "$bin/gpu-tests" > /tmp/san.log 2>&1
  rc=$?; stamp "== $tool d64-full" $rc | tee -a "$o/sanitizers.log"
  grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" /tmp/san.log | head -n 4 >> "$o/sanitizers.log"
done
export PYTHONUNBUFFERED=1
cd .carry/bench
for n in 5 6; do
  timeout 40 python3 bench.py --lib . --grids fa3 --reps 10 --rounds 3 --out "$o/fa3-$n.md" >> "$o/bench.log" 2>&1; stamp "bench fa3 $n" $? | tee -a "$o/bench.log"
done
grep -h "rc=" "$o"/*.log
