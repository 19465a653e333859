#!/usr/bin/env bash
# decperf3 device run (one call): correctness of every build, the decode bench of all builds in
# one process beside cuDNN, tests/gpu dec- (full grid) with the v5 tree, memcheck + racecheck on
# one entry, ncu of b1 L4k and b64 L32k. Laid out in .carry/decperf3: v5/ (the kept candidate:
# L2::256B hint + early issue; every dec-* entry), l2_256/, l2_128/, early/, base/ (main's
# kernel) with libqimeng_decode.so of the h100 entries, decode.py, gpu-tests (v5's tree).
cd "$(dirname "$0")"
O=${OUT:-/tmp/out}; mkdir -p "$O"
export PYTHONUNBUFFERED=1
lib() { echo "$1/libqimeng_decode.so"; }
H=dec-h100-bf16-d128,dec-h100-bf16-d64,dec-h100-f16-d128,dec-h100-f16-d64
{ date -u; nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu,power.draw --format=csv; which ncu; } > "$O/test.log" 2>&1
cat "$O/test.log"
t0=$(date +%s)
timeout 60 python3 decode.py --lib "$(lib v5)" --name v5 --test >> "$O/test.log" 2>&1; echo "test v5 (12 entries) rc $? ($(( $(date +%s) - t0 ))s)"
t0=$(date +%s)
timeout 60 python3 decode.py --lib "$(lib l2_256)" --name l2_256 --alt-lib l2_128="$(lib l2_128)" \
  --alt-lib early="$(lib early)" --alt-lib base="$(lib base)" --keys $H --test >> "$O/test.log" 2>&1
echo "test variants (h100 entries) rc $? ($(( $(date +%s) - t0 ))s)"
grep -E "^==|FAIL|decode tests" "$O/test.log"
t0=$(date +%s)
timeout 170 python3 decode.py --lib "$(lib v5)" --name v5 --alt-lib base="$(lib base)" --alt-lib l2_256="$(lib l2_256)" \
  --alt-lib l2_128="$(lib l2_128)" --alt-lib early="$(lib early)" --bench --reps 40 --out "$O/bench.md" > "$O/bench.log" 2>&1
echo "bench rc $? ($(( $(date +%s) - t0 ))s)"
t0=$(date +%s)
QIMENG_VERIFY_LOG="$O/verify.jsonl" QIMENG_TEST_FILTER=dec- timeout 110 ./gpu-tests > "$O/gpu-tests.log" 2>&1
echo "gpu-tests dec- rc $? ($(( $(date +%s) - t0 ))s)"; tail -2 "$O/gpu-tests.log"
for tool in memcheck racecheck; do
  t0=$(date +%s)
  { echo "== $tool"; QIMENG_TEST_SHAPES=small QIMENG_TEST_FILTER=dec-h100-bf16-d128 timeout 40 \
      compute-sanitizer --tool $tool --error-exitcode 3 ./gpu-tests; echo "rc $?"; } >> "$O/san.log" 2>&1
  echo "$tool ($(( $(date +%s) - t0 ))s)"; tail -3 "$O/san.log"
done
t0=$(date +%s)
timeout 90 ncu --nvtx --nvtx-include "prof/" --clock-control none --section SpeedOfLight --section LaunchStats \
  --section Occupancy --section MemoryWorkloadAnalysis --section SchedulerStats --section WarpStateStats \
  python3 decode.py --lib "$(lib v5)" --name v5 --alt-lib base="$(lib base)" --profile > "$O/ncu.txt" 2>&1
echo "ncu rc $? ($(( $(date +%s) - t0 ))s)"
grep -E "^  [a-z_].*\(|Duration|DRAM Throughput|Memory Throughput|Registers Per|Grid Size|Block Size|Dynamic Shared|Achieved Occupancy" "$O/ncu.txt" | head -80
grep -E "^\|" "$O/bench.md" || tail -30 "$O/bench.log"
