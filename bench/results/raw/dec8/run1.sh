#!/usr/bin/env bash
# dec8 device call 1 (carry .carry/dec8; one call, 4 minutes of device time with the start).
# Libraries of the 4 dec-h100 entries (bash bench/build-decode.sh, ENTRIES='dec-h100-*'):
#   base   main's kernel (cae7f24: 64-key tiles, 3 stages, 2 blocks/SM; built from /work/main)
#   w2     dec8's decode_fwd.cuh as committed: where a TMA launch of decode proper has >= 2
#          blocks per SM (b64), 128-key tiles, 2 stages, 1 block per SM (WideSpec)
#   w3     w2 with 3 wide stages (-DQIMENG_DECODE_WIDE_STAGES=3, 192 KiB)
#   w2all  w2 on every decode-proper TMA launch (-DQIMENG_DECODE_WIDE_PER_SM=0: b1, b16 too)
#   cl     base + clusters of the 8 kv-head blocks of a (split, sequence)
#          (-DQIMENG_DECODE_WIDE=0 -DQIMENG_DECODE_CLUSTER=8)
#   cls    cl + a split cluster barrier per tile (-DQIMENG_DECODE_CLUSTER_SYNC=1)
# One process tests every library (decode.py --test, NaN poison, 14 cases incl. wide grids on
# 16/64/128-key pages and contiguous) and times them beside cuDNN / flash SDPA (round-robin,
# median of 30): a.*; a second process times w2, base, w3 again (call-to-call spread): b.*.
# Then tests/gpu dec- (full grid, all 12 dec-* entries) with gpu-tests-w2 writing verify.jsonl;
# memcheck, racecheck, synccheck on dec-h100-bf16-d128 (small grid); memcheck and racecheck
# over decode.py --test of w2 on dec-h100-bf16-d128 (its wide-grid cases: the tests/gpu grid
# has none).
cd "$(dirname "$0")"
O=${OUT:-/tmp/out}; mkdir -p "$O"
export PYTHONUNBUFFERED=1
T0=$(date +%s); el() { echo $(( $(date +%s) - T0 )); }
lib() { echo "$1/libqimeng_decode.so"; }
H=dec-h100-bf16-d128,dec-h100-bf16-d64,dec-h100-f16-d128,dec-h100-f16-d64
{ date -u; nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu,power.draw,driver_version --format=csv; } > "$O/a.log" 2>&1
timeout 100 python3 decode.py --lib "$(lib w2)" --name w2 --alt-lib base="$(lib base)" --alt-lib w3="$(lib w3)" \
  --alt-lib w2all="$(lib w2all)" --alt-lib cl="$(lib cl)" --alt-lib cls="$(lib cls)" \
  --keys $H --test --bench --reps 30 --out "$O/a.md" >> "$O/a.log" 2>&1
echo "a: test+bench rc $? (t=$(el)s)"
grep -E "^==|FAIL|decode tests" "$O/a.log" | head -30
grep -E "^b[0-9]" "$O/a.log"
t=$(date +%s)
QIMENG_DATE=$(date -u +%F) QIMENG_COMMAND="bash .carry/dec8/run1.sh (bench/results/raw/dec8/run1.sh), binary gpu-tests-w2" \
  QIMENG_VERIFY_LOG="$O/verify.jsonl" QIMENG_TEST_FILTER=dec- timeout 50 ./gpu-tests-w2 > "$O/gpu-tests.log" 2>&1
echo "gpu-tests-w2 dec- rc $? ($(( $(date +%s) - t ))s, t=$(el)s)"; tail -1 "$O/gpu-tests.log"
for tool in memcheck racecheck synccheck; do
  { echo "== $tool (w2, tests/gpu small)"; QIMENG_TEST_SHAPES=small QIMENG_TEST_FILTER=dec-h100-bf16-d128 timeout 25 \
      compute-sanitizer --tool $tool --error-exitcode 3 ./gpu-tests-w2; echo "rc $?"; } >> "$O/san.log" 2>&1
  echo "$tool (t=$(el)s)"; tail -2 "$O/san.log"
done
{ echo "== memcheck decode.py --test (w2, dec-h100-bf16-d128)"; timeout 35 compute-sanitizer --tool memcheck --error-exitcode 3 \
    python3 decode.py --lib "$(lib w2)" --name w2 --keys dec-h100-bf16-d128 --test; echo "rc $?"; } >> "$O/san.log" 2>&1
echo "memcheck decode.py (t=$(el)s)"; tail -3 "$O/san.log"
if [ "$(el)" -lt 135 ]; then
  timeout 30 python3 decode.py --lib "$(lib w2)" --name w2 --alt-lib base="$(lib base)" --alt-lib w3="$(lib w3)" \
    --bench --reps 30 --out "$O/b.md" > "$O/b.log" 2>&1
  echo "b: bench rc $? (t=$(el)s)"; grep -E "^b[0-9]" "$O/b.log"
fi
if [ "$(el)" -lt 150 ]; then
  { echo "== racecheck decode.py --test (w2, dec-h100-bf16-d128)"; timeout 25 compute-sanitizer --tool racecheck --error-exitcode 3 \
      python3 decode.py --lib "$(lib w2)" --name w2 --keys dec-h100-bf16-d128 --test; echo "rc $?"; } >> "$O/san.log" 2>&1
  echo "racecheck decode.py (t=$(el)s)"; tail -3 "$O/san.log"
fi
echo "done t=$(el)s"
