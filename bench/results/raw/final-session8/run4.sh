#!/usr/bin/env bash
# Session 8's call 4, after the review's load_k / load_v change in fa3_fwd.cuh (the same loads in
# the same order; the SASS of some fa3 kernels allocates registers differently, so they are
# re-verified): tests/gpu on every h100/h200 entry, full grid (records for the re-sealed fa3
# entries); in parallel, memcheck / racecheck / synccheck (small grid) on the three window
# entries (kKStages' producer, whose loads now go through load_k / load_v) and on plain f16 d128
# causal (load_kv). Carry [".carry/bin"]. Files back: verify.jsonl, gpu-tests.log, sanitizers.log.
set -uo pipefail
o=${OUT:-/tmp/out}; mkdir -p "$o"; bin=.carry/bin; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
export QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash scripts/gpu-carry.sh; bash bench/results/raw/final-session8/run4.sh"
{ date -u; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; } > "$o/sanitizers.log"
(
  for f in w1024_0 w256_256 fwd-h100-f16-d128-causal; do
    for tool in memcheck racecheck synccheck; do
      QIMENG_TEST_FILTER=$f QIMENG_TEST_SHAPES=small timeout 120 compute-sanitizer --tool $tool --error-exitcode 3 "$bin/gpu-tests" > /tmp/san.log 2>&1
      rc=$?; stamp "== $tool $f" $rc >> "$o/sanitizers.log"
      grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:|FAIL" /tmp/san.log | head -n 6 >> "$o/sanitizers.log"
    done
  done
) &
QIMENG_TEST_FILTER=fwd-h QIMENG_VERIFY_LOG="$o/verify.jsonl" timeout 450 "$bin/gpu-tests" > "$o/gpu-tests.log" 2>&1; stamp "gpu tests" $? | tee -a "$o/gpu-tests.log"
wait
grep -E "FAIL|^kernels:" "$o/gpu-tests.log" | tail -n 20
cat "$o/sanitizers.log"
