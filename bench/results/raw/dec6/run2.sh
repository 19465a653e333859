#!/usr/bin/env bash
# dec6 device call 2 (carry .carry/dec6): c5 = c4 + each issuing lane walks its page without a
# division per tile, the first tiles' page loads in flight together; c6 = c5 + 5-d maps (one
# box per page brings whole rows: 2 requests per page instead of 4 at d128). Libraries of the
# h100 entries (c4 and base as in call 1); tests/gpu binaries gpu-tests-c5, gpu-tests-c6 (all
# 12 dec-* entries). decode.py --test of c6 and c5; the bench of c6, c5, c4, base beside cuDNN
# with the paged probes; tests/gpu dec- (full grid), memcheck + racecheck (small grid) and
# memcheck over decode.py's cases with both; ncu of c6 and c5 on 16-key pages at b16 L32k.
cd "$(dirname "$0")"
O=${OUT:-/tmp/out}; mkdir -p "$O"
export PYTHONUNBUFFERED=1
lib() { echo "$1/libqimeng_decode.so"; }
H=dec-h100-bf16-d128,dec-h100-bf16-d64,dec-h100-f16-d128,dec-h100-f16-d64
{ date -u; nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu,power.draw,driver_version --format=csv; } > "$O/test.log" 2>&1
for v in c6 c5; do
  t0=$(date +%s)
  timeout 30 python3 decode.py --lib "$(lib $v)" --name $v --keys $H --test >> "$O/test.log" 2>&1; echo "test $v (h100) rc $? ($(( $(date +%s) - t0 ))s)"
done
grep -E "^==|FAIL|decode tests|dec-h100" "$O/test.log"
t0=$(date +%s)
timeout 120 python3 decode.py --lib "$(lib c6)" --name c6 --alt-lib c5="$(lib c5)" --alt-lib c4="$(lib c4)" --alt-lib base="$(lib base)" \
  --bench --probes --reps 30 --out "$O/bench.md" --json "$O/bench.json" > "$O/bench.log" 2>&1
echo "bench rc $? ($(( $(date +%s) - t0 ))s)"
grep -E "^\|" "$O/bench.md" || tail -20 "$O/bench.log"
for v in c6 c5; do
  t0=$(date +%s)
  QIMENG_DATE=$(date -u +%F) QIMENG_COMMAND="bash .carry/dec6/run2.sh (bench/results/raw/dec6/run2.sh), binary gpu-tests-$v" \
    QIMENG_VERIFY_LOG="$O/verify-$v.jsonl" QIMENG_TEST_FILTER=dec- timeout 70 ./gpu-tests-$v > "$O/gpu-tests-$v.log" 2>&1
  echo "gpu-tests-$v dec- rc $? ($(( $(date +%s) - t0 ))s)"; tail -1 "$O/gpu-tests-$v.log"
  for tool in memcheck racecheck; do
    { echo "== $tool ($v)"; QIMENG_TEST_SHAPES=small QIMENG_TEST_FILTER=dec-h100-bf16-d128 timeout 25 \
        compute-sanitizer --tool $tool --error-exitcode 3 ./gpu-tests-$v; echo "rc $?"; } >> "$O/san.log" 2>&1
    echo "$tool $v"; tail -2 "$O/san.log"
  done
  { echo "== memcheck decode.py --test ($v, dec-h100-bf16-d128)"; timeout 30 compute-sanitizer --tool memcheck --error-exitcode 3 \
      python3 decode.py --lib "$(lib $v)" --name $v --keys dec-h100-bf16-d128 --test; echo "rc $?"; } >> "$O/san.log" 2>&1
  echo "memcheck decode.py $v"; tail -3 "$O/san.log"
done
t0=$(date +%s)
timeout 30 ncu --nvtx --nvtx-include "prof/" --clock-control none --cache-control all \
  --section SpeedOfLight --section WarpStateStats --metrics dram__bytes_read.sum,smsp__inst_executed.sum \
  python3 decode.py --lib "$(lib c6)" --name c6 --alt-lib c5="$(lib c5)" --profile --profile-cells 16x4096,16x32768 --profile-page 16 > "$O/ncu.txt" 2>&1
echo "ncu rc $? ($(( $(date +%s) - t0 ))s)"
grep -E "^  [a-zA-Z_].*\(|Duration|DRAM Throughput|Warp Cycles Per Issued|inst_executed" "$O/ncu.txt" | cut -c1-100 | head -30
