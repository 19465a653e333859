#!/usr/bin/env bash
# decperf2 device run: L2-prefetch decode (main lib) vs the committed kernel (alt lib, built with
# -DQIMENG_DECODE_NO_L2_PREFETCH): correctness, bench, sanitizers; logs under $OUT.
cd "$(dirname "$0")"
O=${OUT:-/tmp/out}; mkdir -p "$O"
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu,power.draw --format=csv > "$O/smi.txt" 2>&1; cat "$O/smi.txt"
K=dec-h100-bf16-d128,dec-h100-bf16-d64,dec-h100-f16-d128,dec-h100-f16-d64
t0=$(date +%s)
timeout 20 python3 decode.py --lib ./libqimeng_decode.so --keys $K --test > "$O/test.log" 2>&1; echo "decode.py --test rc $? ($(( $(date +%s) - t0 ))s)"
grep -E "FAIL|cases|decode tests|worst" "$O/test.log" | tail -8
t0=$(date +%s)
timeout 45 python3 decode.py --lib ./libqimeng_decode.so --alt-lib ./alt/libqimeng_decode.so --bench --reps 30 --out "$O/bench.md" > "$O/bench.log" 2>&1; echo "bench rc $? ($(( $(date +%s) - t0 ))s)"
t0=$(date +%s)
QIMENG_VERIFY_LOG="$O/verify.jsonl" QIMENG_TEST_FILTER=dec-h100 timeout 35 ./gpu-tests > "$O/gpu-tests.log" 2>&1; echo "gpu-tests dec-h100 rc $? ($(( $(date +%s) - t0 ))s)"
tail -3 "$O/gpu-tests.log"
for tool in memcheck racecheck; do
  t0=$(date +%s)
  QIMENG_TEST_SHAPES=small QIMENG_TEST_FILTER=dec-h100 timeout 14 compute-sanitizer --tool $tool --error-exitcode 3 ./gpu-tests > "$O/san-$tool.log" 2>&1
  echo "$tool rc $? ($(( $(date +%s) - t0 ))s)"; tail -2 "$O/san-$tool.log"
done
grep -E "^\|" "$O/bench.md" || tail -20 "$O/bench.log"
