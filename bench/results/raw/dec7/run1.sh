#!/usr/bin/env bash
# dec7 device call 1 (carry .carry/dec7; one call, 3 minutes of device time with the start).
# Builds (bash bench/build-decode.sh, ENTRIES='dec-h100-*', from copies of the tree):
#   base  main's kernel (BN 64, 3 stages, 2 blocks/SM)
#   ef    base + the K/V TMA loads carry an L2 evict_first policy
#         (EXTRA_NVCC_FLAGS=-DQIMENG_DECODE_TMA_EVICT_FIRST=1)
#   n32   base with kBlockN 32, kStages 6 (same 96 KiB of stages, 5 tiles of 16 KiB ahead
#         instead of 2 of 32 KiB)
#   n32ef n32 + evict_first
# One process tests (decode.py --test, h100 entries, NaN poison) and times all four beside
# cuDNN / flash SDPA (round-robin, median of 30); then tests/gpu dec- (full grid) with the ef
# tree (gpu-tests-ef: the header's default switched to 1) writing the verification log, and
# memcheck + racecheck on dec-h100-bf16-d128 (small grid).
cd "$(dirname "$0")"
O=${OUT:-/tmp/out}; mkdir -p "$O"
export PYTHONUNBUFFERED=1
H=dec-h100-bf16-d128,dec-h100-bf16-d64,dec-h100-f16-d128,dec-h100-f16-d64
{ date -u; nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu,power.draw,driver_version --format=csv; } > "$O/bench.log" 2>&1
t0=$(date +%s)
timeout 100 python3 decode.py --lib ef/libqimeng_decode.so --name ef --alt-lib base=base/libqimeng_decode.so \
  --alt-lib n32=n32/libqimeng_decode.so --alt-lib n32ef=n32ef/libqimeng_decode.so \
  --keys $H --test --bench --reps 30 --out "$O/bench.md" --json "$O/bench.json" >> "$O/bench.log" 2>&1
echo "test+bench rc $? ($(( $(date +%s) - t0 ))s)"
grep -E "^==|FAIL|decode tests" "$O/bench.log" | head -20
grep -E "^\|" "$O/bench.md" | cut -c1-400
t0=$(date +%s)
QIMENG_DATE=$(date -u +%F) QIMENG_COMMAND="bash .carry/dec7/run1.sh (bench/results/raw/dec7/run1.sh), binary gpu-tests-ef" \
  QIMENG_VERIFY_LOG="$O/verify.jsonl" QIMENG_TEST_FILTER=dec- timeout 45 ./gpu-tests-ef > "$O/gpu-tests.log" 2>&1
echo "gpu-tests-ef dec- rc $? ($(( $(date +%s) - t0 ))s)"; tail -1 "$O/gpu-tests.log"
for tool in memcheck racecheck; do
  t0=$(date +%s)
  { echo "== $tool (ef)"; QIMENG_TEST_SHAPES=small QIMENG_TEST_FILTER=dec-h100-bf16-d128 timeout 20 \
      compute-sanitizer --tool $tool --error-exitcode 3 ./gpu-tests-ef; echo "rc $?"; } >> "$O/san.log" 2>&1
  echo "$tool ($(( $(date +%s) - t0 ))s)"; tail -2 "$O/san.log"
done
