#!/usr/bin/env bash
# dec5 device run (one call, carry .carry/dec5): kt = the TMA build (every dec-* entry; the h100
# ones take K/V tiles by TMA; tests/gpu binary gpu-tests-kt); k4 = main's kernel (the same
# source with -DQIMENG_DECODE_TMA=0, h100 entries); kt128 = dec-h100-bf16-d128 with 128-key
# tiles, 2 stages, 1 block per SM, TMA (bench-only probe). decode.py --test of kt on all 12 entries;
# the bench of both beside cuDNN in one process; tests/gpu dec- (full grid) and memcheck +
# racecheck on one entry with gpu-tests-kt; ncu of kt, k4 and cuDNN at b16 L32k and b64 L32k.
cd "$(dirname "$0")"
O=${OUT:-/tmp/out}; mkdir -p "$O"
export PYTHONUNBUFFERED=1
lib() { echo "$1/libqimeng_decode.so"; }
{ date -u; nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu,power.draw --format=csv; } > "$O/test.log" 2>&1
t0=$(date +%s)
timeout 40 python3 decode.py --lib "$(lib kt)" --name kt --test >> "$O/test.log" 2>&1; echo "test kt (12 entries) rc $? ($(( $(date +%s) - t0 ))s)"
t0=$(date +%s)
timeout 15 python3 decode.py --lib "$(lib kt128)" --name kt128 --keys dec-h100-bf16-d128 --test >> "$O/test.log" 2>&1; echo "test kt128 (dec-h100-bf16-d128) rc $? ($(( $(date +%s) - t0 ))s)"
grep -E "^==|FAIL|decode tests" "$O/test.log"
t0=$(date +%s)
timeout 70 python3 decode.py --lib "$(lib kt)" --name kt --alt-lib k4="$(lib k4)" --alt-lib kt128="$(lib kt128)" \
  --bench --reps 30 --out "$O/bench.md" --json "$O/bench.json" > "$O/bench.log" 2>&1
echo "bench rc $? ($(( $(date +%s) - t0 ))s)"
t0=$(date +%s)
QIMENG_DATE=$(date -u +%F) QIMENG_COMMAND="bash .carry/dec5/run6.sh (bench/results/raw/dec5/run6.sh), binary gpu-tests-kt" \
  QIMENG_VERIFY_LOG="$O/verify.jsonl" QIMENG_TEST_FILTER=dec- timeout 50 ./gpu-tests-kt > "$O/gpu-tests.log" 2>&1
echo "gpu-tests-kt dec- rc $? ($(( $(date +%s) - t0 ))s)"; tail -1 "$O/gpu-tests.log"
for tool in memcheck racecheck; do
  t0=$(date +%s)
  { echo "== $tool (kt)"; QIMENG_TEST_SHAPES=small QIMENG_TEST_FILTER=dec-h100-bf16-d128 timeout 20 \
      compute-sanitizer --tool $tool --error-exitcode 3 ./gpu-tests-kt; echo "rc $?"; } >> "$O/san.log" 2>&1
  echo "$tool ($(( $(date +%s) - t0 ))s)"; tail -2 "$O/san.log"
done
t0=$(date +%s)
timeout 40 ncu --nvtx --nvtx-include "prof/" --clock-control none --cache-control all \
  --section SpeedOfLight --section LaunchStats --section Occupancy --section MemoryWorkloadAnalysis \
  --section WarpStateStats --section InstructionStats --print-details all \
  --metrics dram__bytes_read.sum,lts__t_sector_hit_rate.pct,smsp__inst_executed.sum \
  python3 decode.py --lib "$(lib kt)" --name kt --alt-lib k4="$(lib k4)" --profile --profile-cells 16x32768,64x32768 > "$O/ncu.txt" 2>&1
echo "ncu rc $? ($(( $(date +%s) - t0 ))s)"
grep -E "^  [a-zA-Z_].*\(|Duration|DRAM Throughput|Registers Per|Achieved Occ|Grid Size|Block Size|Dynamic Shared" "$O/ncu.txt" | cut -c1-100 | head -60
grep -E "^\|" "$O/bench.md" || tail -20 "$O/bench.log"
