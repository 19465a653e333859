#!/usr/bin/env bash
# decperf3 follow-up (prepared, NOT run in decperf3's allowance): k4 = k1 (the committed kernel)
# + the incremental page walk of k4-pagewalk.patch (one integer division per tile instead of
# two per row). One call: the bench of k4, k1 and base (main before decperf3) beside cuDNN;
# decode.py --test of k4 on every dec-* entry; tests/gpu dec- (full grid) and memcheck +
# racecheck with k4's tests/gpu binary. Carry .carry/decperf3 (k4/, k1/, base/, decode.py,
# gpu-tests-k4, this script). Keep k4 only if paged gains and contiguous holds; then apply the
# patch, `qimeng prepare`, `qimeng cache record verify.jsonl`, and update bench/results/h100-decode-2026-11-26.md.
cd "$(dirname "$0")"
O=${OUT:-/tmp/out}; mkdir -p "$O"
export PYTHONUNBUFFERED=1
lib() { echo "$1/libqimeng_decode.so"; }
{ date -u; nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu,power.draw --format=csv; } > "$O/test.log" 2>&1
t0=$(date +%s)
timeout 50 python3 decode.py --lib "$(lib k4)" --name k4 --test >> "$O/test.log" 2>&1; echo "test k4 (12 entries) rc $? ($(( $(date +%s) - t0 ))s)"
grep -E "FAIL|decode tests" "$O/test.log"
t0=$(date +%s)
timeout 120 python3 decode.py --lib "$(lib k4)" --name k4 --alt-lib k1="$(lib k1)" --alt-lib base="$(lib base)" \
  --bench --reps 40 --out "$O/bench.md" --json "$O/bench.json" > "$O/bench.log" 2>&1
echo "bench rc $? ($(( $(date +%s) - t0 ))s)"
t0=$(date +%s)
QIMENG_DATE=$(date -u +%F) QIMENG_COMMAND="bash .carry/decperf3/run3.sh (bench/results/raw/decperf3/run3.sh), binary gpu-tests-k4" \
  QIMENG_VERIFY_LOG="$O/verify.jsonl" QIMENG_TEST_FILTER=dec- timeout 100 ./gpu-tests-k4 > "$O/gpu-tests.log" 2>&1
echo "gpu-tests-k4 dec- rc $? ($(( $(date +%s) - t0 ))s)"; tail -2 "$O/gpu-tests.log"
for tool in memcheck racecheck; do
  { echo "== $tool (k4)"; QIMENG_TEST_SHAPES=small QIMENG_TEST_FILTER=dec-h100-bf16-d128 timeout 40 \
      compute-sanitizer --tool $tool --error-exitcode 3 ./gpu-tests-k4; echo "rc $?"; } >> "$O/san.log" 2>&1
  tail -3 "$O/san.log"
done
grep -E "^\|" "$O/bench.md" || tail -30 "$O/bench.log"
