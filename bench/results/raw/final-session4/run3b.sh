#!/usr/bin/env bash
# Call 3's h100 half again: run3.sh wrote both filters' records to one QIMENG_VERIFY_LOG, which
# the second run truncates, so only the h200 records came back. tests/gpu full grid on the h100
# entries (records). Files: verify.jsonl, gpu-tests.log.
set -uo pipefail
o=${OUT:-/tmp/out}; mkdir -p "$o"; s=$(date +%s)
export QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash scripts/gpu-carry.sh; bash bench/results/raw/final-session4/run3b.sh"
QIMENG_TEST_FILTER=fwd-h100- QIMENG_VERIFY_LOG="$o/verify.jsonl" timeout 200 .carry/bin/gpu-tests > "$o/gpu-tests.log" 2>&1
echo "gpu tests fwd-h100- rc=$? $(( $(date +%s) - s ))s" | tee -a "$o/gpu-tests.log"
grep -E "FAIL|^kernels:" "$o/gpu-tests.log" | tail -n 5
