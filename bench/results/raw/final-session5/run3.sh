#!/usr/bin/env bash
# Session 5, call 3 (carry [".carry/bin", ".carry/decode"]): re-verification after a header change
# that leaves every entry's PTX byte-identical (sm90::tma_load_4d_hint and
# sm90::l2_evict_first_policy take decode's inline PTX; comments): the full GPU grid for new
# records, compute-sanitizer on the decode entries, decode.py's NaN-tail tests.
set -uo pipefail
o=${OUT:-/tmp/out}; mkdir -p "$o"; bin=.carry/bin; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
export QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash scripts/gpu-carry.sh; bash bench/results/raw/final-session5/run3.sh"
{ date -u; nvidia-smi --query-gpu=name,driver_version --format=csv; } > "$o/misc.log" 2>&1
QIMENG_VERIFY_LOG="$o/verify.jsonl" timeout 260 "$bin/gpu-tests" > "$o/gpu-tests.log" 2>&1; stamp "gpu tests" $? | tee -a "$o/gpu-tests.log"
grep -E "FAIL|^kernels:" "$o/gpu-tests.log" | tail -n 20
: > "$o/sanitizers.log"
for spec in "memcheck:dec-" "racecheck:dec-h100-bf16-d128" "synccheck:dec-h100-bf16-d64" "memcheck:fwd-h100-bf16-d128-full"; do
  tool=${spec%%:*}; filt=${spec#*:}
  QIMENG_TEST_FILTER="$filt" QIMENG_TEST_SHAPES=small timeout 120 compute-sanitizer --tool $tool --error-exitcode 3 "$bin/gpu-tests" > /tmp/san.log 2>&1
  rc=$?; stamp "== $tool $filt" $rc | tee -a "$o/sanitizers.log"
  grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" /tmp/san.log | head -n 4 >> "$o/sanitizers.log"
done
cd .carry/decode
timeout 60 python3 decode.py --lib ./libqimeng_decode.so --test >> "$o/misc.log" 2>&1; stamp "decode.py --test" $? | tee -a "$o/misc.log"
grep -h "rc=" "$o"/*.log
