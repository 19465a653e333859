#!/usr/bin/env bash
# Session 6, call 4 (after the review clean-up: decode_fwd.cuh without the cluster probe
# switches, fa3_fwd.cuh's last deferred epilogue through fa3_flush_pending; PTX of every fa3 and
# dec entry byte-identical to call 1's): tests/gpu on the full grid (records for the re-sealed
# entries), then every compute-sanitizer tool over every h100 / h200 fwd entry and every dec
# entry (small grid): the sweep closes the synccheck gaps of call 1 (d128 causal, d256, h200).
# Carry [".carry/bin"]. Files back: verify.jsonl, gpu-tests.log, sanitizers.log, misc.log.
set -uo pipefail
o=${OUT:-/tmp/out}; mkdir -p "$o"; bin=.carry/bin; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
export QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash scripts/gpu-carry.sh; bash bench/results/raw/final-session6/run4.sh"
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } > "$o/misc.log" 2>&1
QIMENG_VERIFY_LOG="$o/verify.jsonl" timeout 260 "$bin/gpu-tests" > "$o/gpu-tests.log" 2>&1; stamp "gpu tests" $? | tee -a "$o/gpu-tests.log"
grep -E "FAIL|^kernels:" "$o/gpu-tests.log" | tail -n 20
: > "$o/sanitizers.log"
for tool in memcheck racecheck synccheck; do
  for filt in fwd-h100- fwd-h200- dec-; do
    QIMENG_TEST_FILTER="$filt" QIMENG_TEST_SHAPES=small timeout 200 compute-sanitizer --tool $tool --error-exitcode 3 "$bin/gpu-tests" > /tmp/san.log 2>&1
    rc=$?; stamp "== $tool $filt" $rc | tee -a "$o/sanitizers.log"
    grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" /tmp/san.log | head -n 4 >> "$o/sanitizers.log"
  done
done
grep -h "rc=" "$o"/*.log
