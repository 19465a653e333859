#!/usr/bin/env bash
# hvarlen device call: varlen entries' GPU tests, fa3 regression (small), memcheck + racecheck on
# one varlen entry, the varlen bench. Logs under $OUT.
set -u
c=.carry/hvarlen; out=${OUT:-/tmp/out}; mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee "$out/card.txt"
export QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="QIMENG_TEST_FILTER=-varlen gpu-tests (hvarlen device call, .carry/hvarlen/run.sh)"
t0=$(date +%s)
QIMENG_TEST_FILTER=-varlen QIMENG_VERIFY_LOG="$out/verify.jsonl" timeout 90 $c/gpu-tests > "$out/gpu-tests-varlen.log" 2>&1; echo "gpu-tests varlen rc=$? ($(( $(date +%s) - t0 )) s)"
grep -E "^kernel|varlen \[" "$out/gpu-tests-varlen.log" | cut -c1-200
t0=$(date +%s)
QIMENG_TEST_SHAPES=small QIMENG_TEST_FILTER=fwd-h100-f16-d128 timeout 60 $c/gpu-tests > "$out/gpu-tests-fa3-regression-small.log" 2>&1; echo "fa3 regression small rc=$? ($(( $(date +%s) - t0 )) s)"
grep -E "^kernel" "$out/gpu-tests-fa3-regression-small.log"
for tool in memcheck racecheck; do
  t0=$(date +%s)
  QIMENG_TEST_SHAPES=small QIMENG_TEST_FILTER=fwd-h100-bf16-d128-causal-varlen timeout 90 compute-sanitizer --tool $tool --error-exitcode 3 $c/gpu-tests > "$out/sanitizer-$tool.log" 2>&1
  echo "sanitizer $tool rc=$? ($(( $(date +%s) - t0 )) s)"; tail -n 2 "$out/sanitizer-$tool.log"
done
t0=$(date +%s)
# bench.py and variants_speed.py are the hvarlen worktree copies carried here
timeout 150 python3 $c/variants_speed.py --lib $c --parts varlen --out "$out/varlen.md" > "$out/bench.log" 2>&1; echo "bench rc=$? ($(( $(date +%s) - t0 )) s)"
tail -n 20 "$out/bench.log"
