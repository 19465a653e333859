#!/usr/bin/env bash
# Every kernel family changed in session 4 (fa3_fwd.cuh, decode_fwd.cuh, sm90.cuh) under compute-sanitizer (small grid), one filter per entry.
set -uo pipefail
o=${OUT:-/tmp/out}; mkdir -p "$o"; bin=.carry/bin; s=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > "$o/san-all.log"
keys=$(ls kernels-cache | grep -E '^(fwd-h100-(bf16|f16)-d(64|128|256)|fwd-h200-|dec-)' )
for tool in memcheck racecheck synccheck; do
  for k in $keys; do
    QIMENG_TEST_FILTER="$k" QIMENG_TEST_SHAPES=small timeout 60 compute-sanitizer --tool $tool --error-exitcode 3 "$bin/gpu-tests" > /tmp/san.log 2>&1
    rc=$?
    sum=$(grep -E "ERROR SUMMARY|RACECHECK SUMMARY" /tmp/san.log | head -n1); ran=$(grep -E "^kernels:" /tmp/san.log | head -n1)
    echo "$tool $k rc=$rc | $ran | $sum" >> "$o/san-all.log"
  done
  echo "== $tool done $(( $(date +%s) - s ))s" | tee -a "$o/san-all.log"
done
grep -c "rc=0 " "$o/san-all.log"; grep -v "rc=0 " "$o/san-all.log" | grep -v "^==" | head -20
