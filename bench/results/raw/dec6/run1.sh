#!/usr/bin/env bash
# dec6 device call 1 (carry .carry/dec6): c4 = TMA boxes issued by lanes of all 4 warps
# (QIMENG_DECODE_TMA_WARPS=4, the worktree's decode_fwd.cuh; all 12 dec-* entries; tests/gpu
# binary gpu-tests-c4), c1 = the same source with one issuing warp (h100 entries), base =
# main's kernel (one thread issues every box; h100 entries). decode.py --test of c4 (12
# entries) and c1 (h100); the bench of c4, base, c1 beside cuDNN in one process with the
# paged probes (16-key pages in pool order, in 64-key runs, 32-key pages); tests/gpu dec- with
# c4 (full grid), memcheck + racecheck (small grid), memcheck over decode.py's cases; ncu of
# c4 and base on 16-key pages at b16 L32k.
cd "$(dirname "$0")"
O=${OUT:-/tmp/out}; mkdir -p "$O"
export PYTHONUNBUFFERED=1
lib() { echo "$1/libqimeng_decode.so"; }
{ date -u; nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu,power.draw,driver_version --format=csv; } > "$O/test.log" 2>&1
t0=$(date +%s)
timeout 40 python3 decode.py --lib "$(lib c4)" --name c4 --test >> "$O/test.log" 2>&1; echo "test c4 (12 entries) rc $? ($(( $(date +%s) - t0 ))s)"
timeout 30 python3 decode.py --lib "$(lib c1)" --name c1 --keys dec-h100-bf16-d128,dec-h100-bf16-d64,dec-h100-f16-d128,dec-h100-f16-d64 --test >> "$O/test.log" 2>&1; echo "test c1 (h100) rc $? ($(( $(date +%s) - t0 ))s)"
grep -E "^==|FAIL|decode tests" "$O/test.log"
t0=$(date +%s)
timeout 120 python3 decode.py --lib "$(lib c4)" --name c4 --alt-lib base="$(lib base)" --alt-lib c1="$(lib c1)" \
  --bench --probes --reps 30 --out "$O/bench.md" --json "$O/bench.json" > "$O/bench.log" 2>&1
echo "bench rc $? ($(( $(date +%s) - t0 ))s)"
grep -E "^\|" "$O/bench.md" || tail -20 "$O/bench.log"
t0=$(date +%s)
QIMENG_DATE=$(date -u +%F) QIMENG_COMMAND="bash .carry/dec6/run1.sh (bench/results/raw/dec6/run1.sh), binary gpu-tests-c4" \
  QIMENG_VERIFY_LOG="$O/verify.jsonl" QIMENG_TEST_FILTER=dec- timeout 60 ./gpu-tests-c4 > "$O/gpu-tests.log" 2>&1
echo "gpu-tests-c4 dec- rc $? ($(( $(date +%s) - t0 ))s)"; tail -1 "$O/gpu-tests.log"
for tool in memcheck racecheck; do
  t0=$(date +%s)
  { echo "== $tool (c4)"; QIMENG_TEST_SHAPES=small QIMENG_TEST_FILTER=dec-h100-bf16-d128 timeout 25 \
      compute-sanitizer --tool $tool --error-exitcode 3 ./gpu-tests-c4; echo "rc $?"; } >> "$O/san.log" 2>&1
  echo "$tool ($(( $(date +%s) - t0 ))s)"; tail -2 "$O/san.log"
done
t0=$(date +%s)
{ echo "== memcheck decode.py --test (c4, dec-h100-bf16-d128)"; timeout 30 compute-sanitizer --tool memcheck --error-exitcode 3 \
    python3 decode.py --lib "$(lib c4)" --name c4 --keys dec-h100-bf16-d128 --test; echo "rc $?"; } >> "$O/san.log" 2>&1
echo "memcheck decode.py ($(( $(date +%s) - t0 ))s)"; tail -3 "$O/san.log"
t0=$(date +%s)
timeout 30 ncu --nvtx --nvtx-include "prof/" --clock-control none --cache-control all \
  --section SpeedOfLight --section WarpStateStats --metrics dram__bytes_read.sum,smsp__inst_executed.sum \
  python3 decode.py --lib "$(lib c4)" --name c4 --alt-lib base="$(lib base)" --profile --profile-cells 16x32768 --profile-page 16 > "$O/ncu.txt" 2>&1
echo "ncu rc $? ($(( $(date +%s) - t0 ))s)"
grep -E "^  [a-zA-Z_].*\(|Duration|DRAM Throughput|Stall Long|Stall Wait|Stall Barrier|Warp Cycles Per Issued" "$O/ncu.txt" | cut -c1-100 | head -30
