#!/bin/bash
# Session 16, call 9: the two a100 bf16 d128 entries whose kernel.tl comment said 16 query rows a
# warp (their kernel has 32; scripts/new-entry.py --check found it, the rewrite re-sealed them):
# tests/gpu (full grid, PTX JIT on the H100) with the records, as scripts/gpu-reverify.sh runs it.
set -uo pipefail
out=${OUT:-/tmp/out}; bin=.carry/bin
export QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash scripts/gpu-carry.sh; TEST_FILTERS='fwd-a100-bf16-d128-causal fwd-a100-bf16-d128-full' bash .carry/bin/reverify.sh"
nvidia-smi --query-gpu=name,driver_version --format=csv | tee "$out/card.txt"
: > "$out/verify.jsonl"; : > "$out/gpu-tests.log"
for f in fwd-a100-bf16-d128-causal fwd-a100-bf16-d128-full; do
  QIMENG_TEST_FILTER="$f" QIMENG_VERIFY_LOG="$out/verify.jsonl" timeout 120 "$bin/gpu-tests" >> "$out/gpu-tests.log" 2>&1; echo "gpu tests $f rc=$?"
done
grep -E "FAIL|^kernels:" "$out/gpu-tests.log"; wc -l "$out/verify.jsonl"
