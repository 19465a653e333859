#!/usr/bin/env bash
# decperf3 device run 2 (one call): the bench of k1 (L2::256B hint + block-table lookups one
# iteration ahead), k2 (k1 + query loads before the first copies), k3 (k2 + contiguous blocks
# request their first tiles from max_seqlen_k before the length arrives), l2_256 (run 1's hint-only
# build) and base (main's kernel) in one process beside cuDNN; pick.py chooses the build to keep;
# decode.py --test of every build; tests/gpu dec- (full grid) and memcheck + racecheck on one
# entry with the chosen build's tests/gpu binary; ncu of b1 L4k and b64 L32k.
cd "$(dirname "$0")"
O=${OUT:-/tmp/out}; mkdir -p "$O"
export PYTHONUNBUFFERED=1
lib() { echo "$1/libqimeng_decode.so"; }
H=dec-h100-bf16-d128,dec-h100-bf16-d64,dec-h100-f16-d128,dec-h100-f16-d64
{ date -u; nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu,power.draw --format=csv; } > "$O/test.log" 2>&1
cat "$O/test.log"
t0=$(date +%s)
timeout 150 python3 decode.py --lib "$(lib k1)" --name k1 --alt-lib k2="$(lib k2)" --alt-lib k3="$(lib k3)" \
  --alt-lib l2_256="$(lib l2_256)" --alt-lib base="$(lib base)" --bench --reps 40 --out "$O/bench.md" \
  --json "$O/bench.json" > "$O/bench.log" 2>&1
echo "bench rc $? ($(( $(date +%s) - t0 ))s)"
W=$(python3 pick.py "$O/bench.json" k1 k2 k3 2>>"$O/test.log"); W=${W:-k1}
echo "kept: $W" | tee -a "$O/test.log"; tail -2 "$O/test.log"
t0=$(date +%s)
timeout 50 python3 decode.py --lib "$(lib $W)" --name $W --test >> "$O/test.log" 2>&1; echo "test $W (12 entries) rc $? ($(( $(date +%s) - t0 ))s)"
t0=$(date +%s)
others=(); for k in k1 k2 k3; do [ $k = $W ] || others+=(--alt-lib $k="$(lib $k)"); done
timeout 40 python3 decode.py --lib "$(lib l2_256)" --name l2_256 "${others[@]}" --keys $H --test >> "$O/test.log" 2>&1
echo "test others (h100 entries) rc $? ($(( $(date +%s) - t0 ))s)"
grep -E "^==|FAIL|decode tests" "$O/test.log"
t0=$(date +%s)
QIMENG_DATE=2026-11-26 QIMENG_COMMAND="bash .carry/decperf3/run2.sh (bench/results/raw/decperf3/run2.sh), binary gpu-tests-$W" \
  QIMENG_VERIFY_LOG="$O/verify.jsonl" QIMENG_TEST_FILTER=dec- timeout 100 ./gpu-tests-$W > "$O/gpu-tests.log" 2>&1
echo "gpu-tests-$W dec- rc $? ($(( $(date +%s) - t0 ))s)"; tail -2 "$O/gpu-tests.log"
for tool in memcheck racecheck; do
  { echo "== $tool ($W)"; QIMENG_TEST_SHAPES=small QIMENG_TEST_FILTER=dec-h100-bf16-d128 timeout 40 \
      compute-sanitizer --tool $tool --error-exitcode 3 ./gpu-tests-$W; echo "rc $?"; } >> "$O/san.log" 2>&1
  tail -3 "$O/san.log"
done
t0=$(date +%s)
timeout 60 ncu --nvtx --nvtx-include "prof/" --clock-control none --section SpeedOfLight --section LaunchStats \
  --section Occupancy --section MemoryWorkloadAnalysis --section SchedulerStats --section WarpStateStats \
  python3 decode.py --lib "$(lib k1)" --name k1 --alt-lib k2="$(lib k2)" --alt-lib k3="$(lib k3)" --alt-lib base="$(lib base)" \
  --profile > "$O/ncu.txt" 2>&1
echo "ncu rc $? ($(( $(date +%s) - t0 ))s)"
grep -E "^  [a-z_].*\(|Duration" "$O/ncu.txt" | sed 's/(QimengDecodeArgs)//' | cut -c1-110 | head -40
grep -E "^\|" "$O/bench.md" || tail -30 "$O/bench.log"
