set -uo pipefail
out=${OUT:-/tmp/out}; mkdir -p "$out"; bin=.carry/bin
export QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash scripts/gpu-carry.sh; QIMENG_TEST_FILTER=d128-full .carry/bin/gpu-tests"
QIMENG_TEST_FILTER=d128-full QIMENG_VERIFY_LOG="$out/verify.jsonl" "$bin/gpu-tests" > "$out/gpu-tests.log" 2>&1; echo "gpu tests rc=$?"; grep -E "FAIL|^kernels:" "$out/gpu-tests.log" | tail -n 5
for t in memcheck racecheck; do QIMENG_TEST_FILTER=h100-bf16-d128-full QIMENG_TEST_SHAPES=small timeout 40 compute-sanitizer --tool $t --error-exitcode 3 "$bin/gpu-tests" > "$out/$t.log" 2>&1; echo "$t rc=$?"; grep -E "SUMMARY|^kernels:" "$out/$t.log"; done
