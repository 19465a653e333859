#!/usr/bin/env bash
# dec5 device run 2 (one call, carry .carry/dec5): kd = kt (run 6) + a 6-stage TMA ring where the
# grid has no more blocks than SMs (every dec-* entry; tests/gpu binary gpu-tests-kd); kt = run
# 6's TMA build. decode.py --test of kd on all 12 entries; the bench of kd and kt beside cuDNN
# in one process; tests/gpu dec- (full grid), memcheck + racecheck (small grid) and memcheck of
# decode.py's cases on one entry with kd; ncu of kt and kd on the paged-16 cache at b16 L32k.
cd "$(dirname "$0")"
O=${OUT:-/tmp/out}; mkdir -p "$O"
export PYTHONUNBUFFERED=1
lib() { echo "$1/libqimeng_decode.so"; }
{ date -u; nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu,power.draw --format=csv; } > "$O/test.log" 2>&1
t0=$(date +%s)
timeout 40 python3 decode.py --lib "$(lib kd)" --name kd --test >> "$O/test.log" 2>&1; echo "test kd (12 entries) rc $? ($(( $(date +%s) - t0 ))s)"
grep -E "^==|FAIL|decode tests" "$O/test.log"
t0=$(date +%s)
timeout 50 python3 decode.py --lib "$(lib kd)" --name kd --alt-lib kt="$(lib kt)" \
  --bench --reps 30 --out "$O/bench.md" --json "$O/bench.json" > "$O/bench.log" 2>&1
echo "bench rc $? ($(( $(date +%s) - t0 ))s)"
grep -E "^\|" "$O/bench.md" || tail -20 "$O/bench.log"
t0=$(date +%s)
QIMENG_DATE=$(date -u +%F) QIMENG_COMMAND="bash .carry/dec5/run7.sh (bench/results/raw/dec5/run7.sh), binary gpu-tests-kd" \
  QIMENG_VERIFY_LOG="$O/verify.jsonl" QIMENG_TEST_FILTER=dec- timeout 50 ./gpu-tests-kd > "$O/gpu-tests.log" 2>&1
echo "gpu-tests-kd dec- rc $? ($(( $(date +%s) - t0 ))s)"; tail -1 "$O/gpu-tests.log"
for tool in memcheck racecheck; do
  t0=$(date +%s)
  { echo "== $tool (kd)"; QIMENG_TEST_SHAPES=small QIMENG_TEST_FILTER=dec-h100-bf16-d128 timeout 20 \
      compute-sanitizer --tool $tool --error-exitcode 3 ./gpu-tests-kd; echo "rc $?"; } >> "$O/san.log" 2>&1
  echo "$tool ($(( $(date +%s) - t0 ))s)"; tail -2 "$O/san.log"
done
t0=$(date +%s)
{ echo "== memcheck decode.py --test (kd, dec-h100-bf16-d128)"; timeout 30 compute-sanitizer --tool memcheck --error-exitcode 3 \
    python3 decode.py --lib "$(lib kd)" --name kd --keys dec-h100-bf16-d128 --test; echo "rc $?"; } >> "$O/san.log" 2>&1
echo "memcheck decode.py ($(( $(date +%s) - t0 ))s)"; tail -3 "$O/san.log"
t0=$(date +%s)
timeout 30 ncu --nvtx --nvtx-include "prof/" --clock-control none --cache-control all \
  --section SpeedOfLight --section LaunchStats --section Occupancy --section MemoryWorkloadAnalysis \
  --section WarpStateStats --metrics dram__bytes_read.sum,lts__t_sector_hit_rate.pct,smsp__inst_executed.sum \
  python3 decode.py --lib "$(lib kt)" --name kt --alt-lib kd="$(lib kd)" --profile --profile-cells 16x32768 --profile-page 16 > "$O/ncu.txt" 2>&1
echo "ncu rc $? ($(( $(date +%s) - t0 ))s)"
grep -E "^  [a-zA-Z_].*\(|Duration|DRAM Throughput|L2 Hit Rate|Stall Long|Stall Wait|Stall Barrier|Dynamic Shared" "$O/ncu.txt" | cut -c1-100 | head -40
