# Runs on the GPU machine after scripts/gpu-carry.sh (which copies it to .carry/bin/reverify.sh): the full
# GPU test grid over every entry (verification log in $OUT) and compute-sanitizer on the small grid of
# the families a change touched (edit the filters, or set SANITIZE), then the example.
#   TEST_FILTERS="fwd-h100-bf16 fwd-h100-f16 fwd-h200": the grid over those entries only, the
#     filters at once (a Hopper kernel change: ~240 s instead of every entry's run);
#   SANITIZE="racecheck:fwd-h100- synccheck:fwd-h100- ...": the sanitizer runs (tool:filter),
#     SANITIZE_TIMEOUT seconds each (default 60; a whole fwd-h100- run takes ~140).
set -uo pipefail
out=${OUT:-/tmp/out}; mkdir -p "$out"; bin=.carry/bin
export QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash scripts/gpu-carry.sh; ${TEST_FILTERS:+TEST_FILTERS='$TEST_FILTERS' }bash .carry/bin/reverify.sh"
nvidia-smi --query-gpu=name,driver_version --format=csv | tee "$out/card.txt"
s=$(date +%s)
"$bin/runtime-device-tests" > "$out/runtime.log" 2>&1; echo "runtime device tests rc=$?"; tail -n 1 "$out/runtime.log"
if [ -z "${TEST_FILTERS:-}" ]; then
  QIMENG_VERIFY_LOG="$out/verify.jsonl" "$bin/gpu-tests" > "$out/gpu-tests.log" 2>&1; echo "gpu tests rc=$? ($(( $(date +%s) - s )) s)"
else
  : > "$out/verify.jsonl"; : > "$out/gpu-tests.log"
  for f in $TEST_FILTERS; do
    ( QIMENG_TEST_FILTER="$f" QIMENG_VERIFY_LOG="/tmp/verify-$f.jsonl" "$bin/gpu-tests" > "/tmp/gpu-tests-$f.log" 2>&1
      echo "gpu tests $f rc=$? ($(( $(date +%s) - s )) s)" ) &
  done
  wait
  for f in $TEST_FILTERS; do cat "/tmp/verify-$f.jsonl" >> "$out/verify.jsonl"; cat "/tmp/gpu-tests-$f.log" >> "$out/gpu-tests.log"; done
fi
grep -E "FAIL|^kernels:" "$out/gpu-tests.log" | tail -n 20
: > "$out/sanitizers.log"
for spec in ${SANITIZE:-"memcheck:-h100-" "memcheck:-h200-" "memcheck:dec-" "racecheck:h200-f16-d128-full" "racecheck:dec-h100-bf16-d128" "synccheck:h200-bf16-d128-full" "synccheck:dec-h100"}; do
  tool=${spec%%:*}; filt=${spec#*:}
  QIMENG_TEST_FILTER="$filt" QIMENG_TEST_SHAPES=small timeout "${SANITIZE_TIMEOUT:-60}" compute-sanitizer --tool $tool --error-exitcode 3 "$bin/gpu-tests" > /tmp/san.log 2>&1
  rc=$?; echo "== $tool filter='$filt' rc=$rc ($(( $(date +%s) - s )) s)" | tee -a "$out/sanitizers.log"; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" /tmp/san.log | head -n 4 | tee -a "$out/sanitizers.log"
done
"$bin/qimeng-example" > "$out/example.log" 2>&1; echo "example rc=$?"; tail -n 5 "$out/example.log"
