#!/usr/bin/env bash
# decperf4 device run (one call, carry .carry/decperf4): d6 = k4 (page walk with one division per
# tile) + a 6-stage ring where the grid leaves each SM one block (the committed candidate: every
# dec-* entry, and its tests/gpu binary gpu-tests-d6); d4 = the same with 4 stages; d0 = k4 alone
# (no deep ring); k1 = main's kernel (decode v5). decode.py --test of d6 on all 12 entries and of
# d4 / d0 on dec-h100-bf16-d128; the bench of all four beside cuDNN in one process; pick.py's
# verdict; tests/gpu dec- (full grid) and memcheck + racecheck on one entry with gpu-tests-d6.
cd "$(dirname "$0")"
O=${OUT:-/tmp/out}; mkdir -p "$O"
export PYTHONUNBUFFERED=1
lib() { echo "$1/libqimeng_decode.so"; }
{ date -u; nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu,power.draw --format=csv; } > "$O/test.log" 2>&1
t0=$(date +%s)
timeout 35 python3 decode.py --lib "$(lib d6)" --name d6 --test >> "$O/test.log" 2>&1; echo "test d6 (12 entries) rc $? ($(( $(date +%s) - t0 ))s)"
t0=$(date +%s)
timeout 20 python3 decode.py --lib "$(lib d4)" --name d4 --alt-lib d0="$(lib d0)" --keys dec-h100-bf16-d128 --test >> "$O/test.log" 2>&1
echo "test d4 d0 (dec-h100-bf16-d128) rc $? ($(( $(date +%s) - t0 ))s)"
grep -E "^==|FAIL|decode tests" "$O/test.log"
t0=$(date +%s)
timeout 80 python3 decode.py --lib "$(lib d6)" --name d6 --alt-lib d4="$(lib d4)" --alt-lib d0="$(lib d0)" \
  --alt-lib k1="$(lib k1)" --bench --reps 30 --out "$O/bench.md" --json "$O/bench.json" > "$O/bench.log" 2>&1
echo "bench rc $? ($(( $(date +%s) - t0 ))s)"
python3 pick.py "$O/bench.json" d6 d4 d0 k1 2>&1 | tee "$O/pick.txt"
t0=$(date +%s)
QIMENG_DATE=$(date -u +%F) QIMENG_COMMAND="bash .carry/decperf4/run4.sh (bench/results/raw/decperf4/run4.sh), binary gpu-tests-d6" \
  QIMENG_VERIFY_LOG="$O/verify.jsonl" QIMENG_TEST_FILTER=dec- timeout 45 ./gpu-tests-d6 > "$O/gpu-tests.log" 2>&1
echo "gpu-tests-d6 dec- rc $? ($(( $(date +%s) - t0 ))s)"; tail -1 "$O/gpu-tests.log"
for tool in memcheck racecheck; do
  t0=$(date +%s)
  { echo "== $tool (d6)"; QIMENG_TEST_SHAPES=small QIMENG_TEST_FILTER=dec-h100-bf16-d128 timeout 25 \
      compute-sanitizer --tool $tool --error-exitcode 3 ./gpu-tests-d6; echo "rc $?"; } >> "$O/san.log" 2>&1
  echo "$tool ($(( $(date +%s) - t0 ))s)"; tail -2 "$O/san.log"
done
grep -E "^\|" "$O/bench.md" || tail -20 "$O/bench.log"
