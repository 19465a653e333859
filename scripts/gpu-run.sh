#!/usr/bin/env bash
# Runs on the GPU machine, from the repo root, after scripts/gpu-carry.sh filled .carry/bin:
# the runtime's device tests, the GPU test suite (full grid), compute-sanitizer memcheck, racecheck and synccheck on the small grid,
# and the example. Logs go to $OUT (or ./gpu-logs).
set -uo pipefail
out=${OUT:-gpu-logs}; mkdir -p "$out"
bin=.carry/bin
export QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash scripts/gpu-carry.sh; bash .carry/bin/gpu-run.sh"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee "$out/card.txt"
status=0
"$bin/runtime-device-tests" 2>&1 | tee "$out/runtime-device-tests.log" || status=1
QIMENG_VERIFY_LOG="$out/verify.jsonl" "$bin/gpu-tests" 2>&1 | tee "$out/gpu-tests.log" || status=1
for tool in memcheck racecheck synccheck; do
  QIMENG_TEST_SHAPES=small compute-sanitizer --tool $tool --error-exitcode 3 "$bin/gpu-tests" \
    > "$out/sanitizer-$tool.log" 2>&1 && echo "compute-sanitizer $tool: clean" || { echo "compute-sanitizer $tool: FAILED (see $out/sanitizer-$tool.log)"; status=1; }
  tail -n 3 "$out/sanitizer-$tool.log"
done
"$bin/qimeng-example" 2>&1 | tee "$out/example.log" || status=1
exit $status
