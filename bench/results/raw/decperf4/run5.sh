#!/usr/bin/env bash
# decperf4 device run 2 (one call, carry .carry/decperf4): k4 = the kept kernel (decode_fwd.cuh
# with the page walk of one division per tile; every dec-* entry; tests/gpu binary gpu-tests-k4);
# n128s2 / n128s3 = dec-h100-bf16-d128 with 128-key tiles, 2 / 3 stages, 1 block per SM
# (bench-only probes for the b1 / b16 cells); k1 = main's kernel (decode v5). decode.py --test of
# k4 on all 12 entries and of the probes on their entry; the bench of all beside cuDNN in one
# process; tests/gpu dec- (full grid) and memcheck + racecheck on one entry with gpu-tests-k4.
cd "$(dirname "$0")"
O=${OUT:-/tmp/out}; mkdir -p "$O"
export PYTHONUNBUFFERED=1
lib() { echo "$1/libqimeng_decode.so"; }
{ date -u; nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu,power.draw --format=csv; } > "$O/test.log" 2>&1
t0=$(date +%s)
timeout 35 python3 decode.py --lib "$(lib k4)" --name k4 --test >> "$O/test.log" 2>&1; echo "test k4 (12 entries) rc $? ($(( $(date +%s) - t0 ))s)"
t0=$(date +%s)
timeout 20 python3 decode.py --lib "$(lib n128s2)" --name n128s2 --alt-lib n128s3="$(lib n128s3)" --keys dec-h100-bf16-d128 --test >> "$O/test.log" 2>&1
echo "test n128s2 n128s3 (dec-h100-bf16-d128) rc $? ($(( $(date +%s) - t0 ))s)"
grep -E "^==|FAIL|decode tests" "$O/test.log"
t0=$(date +%s)
timeout 80 python3 decode.py --lib "$(lib k4)" --name k4 --alt-lib n128s2="$(lib n128s2)" --alt-lib n128s3="$(lib n128s3)" \
  --alt-lib k1="$(lib k1)" --bench --reps 40 --out "$O/bench.md" --json "$O/bench.json" > "$O/bench.log" 2>&1
echo "bench rc $? ($(( $(date +%s) - t0 ))s)"
t0=$(date +%s)
QIMENG_DATE=$(date -u +%F) QIMENG_COMMAND="bash .carry/decperf4/run5.sh (bench/results/raw/decperf4/run5.sh), binary gpu-tests-k4" \
  QIMENG_VERIFY_LOG="$O/verify.jsonl" QIMENG_TEST_FILTER=dec- timeout 90 ./gpu-tests-k4 > "$O/gpu-tests.log" 2>&1
echo "gpu-tests-k4 dec- rc $? ($(( $(date +%s) - t0 ))s)"; tail -1 "$O/gpu-tests.log"
for tool in memcheck racecheck; do
  t0=$(date +%s)
  { echo "== $tool (k4)"; QIMENG_TEST_SHAPES=small QIMENG_TEST_FILTER=dec-h100-bf16-d128 timeout 25 \
      compute-sanitizer --tool $tool --error-exitcode 3 ./gpu-tests-k4; echo "rc $?"; } >> "$O/san.log" 2>&1
  echo "$tool ($(( $(date +%s) - t0 ))s)"; tail -2 "$O/san.log"
done
# memcheck of decode.py's 12 cases on one entry (splits up to 256, pages of 1 and 17 keys: the
# small tests/gpu grid above has neither); last, and capped, as the allowance is nearly spent.
t0=$(date +%s)
{ echo "== memcheck decode.py --test (k4, dec-h100-bf16-d128)"; timeout 30 compute-sanitizer --tool memcheck --error-exitcode 3 \
    python3 decode.py --lib "$(lib k4)" --name k4 --keys dec-h100-bf16-d128 --test; echo "rc $?"; } >> "$O/san.log" 2>&1
echo "memcheck decode.py ($(( $(date +%s) - t0 ))s)"; tail -3 "$O/san.log"
grep -E "^\|" "$O/bench.md" || tail -20 "$O/bench.log"
