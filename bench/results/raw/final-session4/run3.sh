#!/usr/bin/env bash
# Session 4's third closing call (carry [".carry/bin"]): after call 2 only a comment in
# fa3_fwd.cuh changed (device code identical), which re-hashes the 32 fa3_fwd.cuh entries:
# tests/gpu full grid on the h100 and h200 entries (records), memcheck on both sets and
# racecheck on two persistent entries. Files: verify.jsonl, gpu-tests.log, sanitizers.log.
# (Each gpu-tests run truncates QIMENG_VERIFY_LOG: only the h200 records came back; run3b.sh
# re-ran the h100 half.)
set -uo pipefail
o=${OUT:-/tmp/out}; mkdir -p "$o"; bin=.carry/bin; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
export QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash scripts/gpu-carry.sh; bash bench/results/raw/final-session4/run3.sh"
: > "$o/gpu-tests.log"
for filt in fwd-h100- fwd-h200-; do
  QIMENG_TEST_FILTER="$filt" QIMENG_VERIFY_LOG="$o/verify.jsonl" timeout 200 "$bin/gpu-tests" >> "$o/gpu-tests.log" 2>&1
  stamp "gpu tests $filt" $? | tee -a "$o/gpu-tests.log"
done
grep -E "FAIL|^kernels:" "$o/gpu-tests.log" | tail -n 20
: > "$o/sanitizers.log"
for spec in "memcheck:fwd-h100-" "memcheck:fwd-h200-" "racecheck:fwd-h100-bf16-d128-causal-softcap50" \
            "racecheck:fwd-h200-f16-d64-full"; do
  tool=${spec%%:*}; filt=${spec#*:}
  QIMENG_TEST_FILTER="$filt" QIMENG_TEST_SHAPES=small timeout 60 compute-sanitizer --tool $tool --error-exitcode 3 "$bin/gpu-tests" > /tmp/san.log 2>&1
  rc=$?; stamp "== $tool $filt" $rc | tee -a "$o/sanitizers.log"
  grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" /tmp/san.log | head -n 4 >> "$o/sanitizers.log"
done
