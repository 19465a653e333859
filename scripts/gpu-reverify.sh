# Runs on the GPU machine after scripts/gpu-carry.sh (which copies it to .carry/bin/reverify.sh): the full
# GPU test grid over every entry (verification log in $OUT) and compute-sanitizer on the small grid of
# the families a change touched (edit the filters, or set SANITIZE), then the example.
#   TEST_FILTERS="fwd-h100-bf16 fwd-h100-f16 fwd-h200": the grid over those entries only, the
#     filters at once (a Hopper kernel change: ~240 s instead of every entry's run); "none": no
#     grid (sanitizers only, for kernels whose records a run of the grid already holds);
#   SANITIZE="racecheck:fwd-h100- synccheck:fwd-h100- ...": the sanitizer runs (tool:filter;
#     "none": no sanitizer, for a grid run whose sanitizers ran before on the same kernels),
#     SANITIZE_TIMEOUT seconds each (default 60; a whole fwd-h100- run takes ~140), in
#     SANITIZE_JOBS chains at once (default 1; spec i in chain i mod SANITIZE_JOBS), their
#     summaries in $OUT/sanitizers.log in the order given.
set -uo pipefail
out=${OUT:-/tmp/out}; mkdir -p "$out"; bin=.carry/bin
export QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash scripts/gpu-carry.sh; ${TEST_FILTERS:+TEST_FILTERS='$TEST_FILTERS' }bash .carry/bin/reverify.sh"
nvidia-smi --query-gpu=name,driver_version --format=csv | tee "$out/card.txt"
s=$(date +%s)
"$bin/runtime-device-tests" > "$out/runtime.log" 2>&1; echo "runtime device tests rc=$?"; tail -n 1 "$out/runtime.log"
if [ "${TEST_FILTERS:-}" = none ]; then
  : > "$out/verify.jsonl"; echo "no gpu test grid (TEST_FILTERS=none)" > "$out/gpu-tests.log"
elif [ -z "${TEST_FILTERS:-}" ]; then
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
# shellcheck disable=SC2206
specs=(${SANITIZE:-"memcheck:-h100-" "memcheck:-h200-" "memcheck:dec-" "racecheck:h200-f16-d128-full" "racecheck:dec-h100-bf16-d128" "synccheck:h200-bf16-d128-full" "synccheck:dec-h100"})
[ "${SANITIZE:-}" = none ] && specs=()
jobs=${SANITIZE_JOBS:-1}
sanitize() { # spec index: its summary in /tmp/san-$1.sum
  local spec=${specs[$1]} tool filt rc
  tool=${spec%%:*}; filt=${spec#*:}
  QIMENG_TEST_FILTER="$filt" QIMENG_TEST_SHAPES=small timeout "${SANITIZE_TIMEOUT:-60}" compute-sanitizer --tool "$tool" --error-exitcode 3 "$bin/gpu-tests" > "/tmp/san-$1.log" 2>&1
  rc=$?
  { echo "== $tool filter='$filt' rc=$rc ($(( $(date +%s) - s )) s)"; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" "/tmp/san-$1.log" | head -n 4; } > "/tmp/san-$1.sum"
}
for ((c = 0; c < jobs; c++)); do
  ( for ((i = c; i < ${#specs[@]}; i += jobs)); do sanitize "$i"; done ) &
done
wait
if [ ${#specs[@]} = 0 ]; then echo "no sanitizer (SANITIZE=none)"
else for ((i = 0; i < ${#specs[@]}; i++)); do cat "/tmp/san-$i.sum"; done; fi | tee "$out/sanitizers.log"
"$bin/qimeng-example" > "$out/example.log" 2>&1; echo "example rc=$?"; tail -n 5 "$out/example.log"
