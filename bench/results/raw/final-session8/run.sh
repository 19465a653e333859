#!/usr/bin/env bash
# Session 8's closing call 1 on the merged main (carry [".carry/bin"]): kFixedMax changed
# fa3_fwd.cuh, so every fa3 entry was re-sealed: tests/gpu on every entry, full grid (records),
# the runtime's device tests and the example; in parallel, compute-sanitizer memcheck /
# racecheck / synccheck over the softcap entries (small grid: the swing case included).
# Files back: verify.jsonl, gpu-tests.log, sanitizers.log, misc.log.
set -uo pipefail
o=${OUT:-/tmp/out}; mkdir -p "$o"; bin=.carry/bin; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
export QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash scripts/gpu-carry.sh; bash bench/results/raw/final-session8/run.sh"
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } > "$o/misc.log" 2>&1
: > "$o/sanitizers.log"
(
  for tool in memcheck racecheck synccheck; do
    QIMENG_TEST_FILTER=softcap QIMENG_TEST_SHAPES=small timeout 150 compute-sanitizer --tool $tool --error-exitcode 3 "$bin/gpu-tests" > /tmp/san-$tool.log 2>&1
    rc=$?; stamp "== $tool softcap" $rc >> "$o/sanitizers.log"
    grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:|FAIL" /tmp/san-$tool.log | head -n 6 >> "$o/sanitizers.log"
  done
) &
QIMENG_VERIFY_LOG="$o/verify.jsonl" timeout 450 "$bin/gpu-tests" > "$o/gpu-tests.log" 2>&1; stamp "gpu tests" $? | tee -a "$o/gpu-tests.log"
wait
grep -E "FAIL|^kernels:" "$o/gpu-tests.log" | tail -n 20
"$bin/runtime-device-tests" > /tmp/rt.log 2>&1; stamp "runtime device tests" $? | tee -a "$o/misc.log"; tail -n 2 /tmp/rt.log >> "$o/misc.log"
timeout 60 "$bin/qimeng-example" > /tmp/ex.log 2>&1; stamp example $? | tee -a "$o/misc.log"; tail -n 6 /tmp/ex.log >> "$o/misc.log"
cat "$o/sanitizers.log"
grep -h "rc=" "$o"/*.log
