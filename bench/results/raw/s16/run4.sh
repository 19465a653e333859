#!/bin/bash
# Session 16, call 4: call 3's tests/gpu again for its records (call 3 left more than 8 files in
# $OUT, so its verify.jsonl did not come back): the window entries' full grid on the same
# binaries, as scripts/gpu-reverify.sh runs it.
set -uo pipefail
out=${OUT:-/tmp/out}; bin=.carry/bin
export QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash scripts/gpu-carry.sh; TEST_FILTERS='fwd-h100-bf16-d128-causal-w1024_0 fwd-h100-bf16-d128-full-w256_256' bash .carry/bin/reverify.sh"
nvidia-smi --query-gpu=name,driver_version --format=csv | tee "$out/card.txt"
: > "$out/verify.jsonl"; : > "$out/gpu-tests.log"
for f in fwd-h100-bf16-d128-causal-w1024_0 fwd-h100-bf16-d128-full-w256_256; do
  QIMENG_TEST_FILTER="$f" QIMENG_VERIFY_LOG="$out/verify.jsonl" "$bin/gpu-tests" >> "$out/gpu-tests.log" 2>&1; echo "gpu tests $f rc=$?"
done
grep -E "FAIL|^kernels:" "$out/gpu-tests.log"; wc -l "$out/verify.jsonl"
