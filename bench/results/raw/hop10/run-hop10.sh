#!/usr/bin/env bash
# Record (was bench/hopper/, run from .carry/hop10; the builds had split-tail.patch applied).
# Device side of hop10's call (carry [".carry/hop10"]). bins.tar.xz: main/ (main b7b6102's
# bench-ffi library), B/ (the branch: d64 full's short persistent schedule with kSplitTail; its
# bench-ffi library and tests/gpu binary); probe-split (bench/hopper/probe-split.cu). Beside it:
# ab.py (bench/results/raw/hop9/), bench.py.
#   1. probe-split: clusters of 2 resident at once (the split launch needs 66);
#   2. tests/gpu (B) on the entries whose PTX changed (h100/h200 x bf16/f16 d64 full); records
#      in verify.jsonl;
#   3. ab.py: the 12 d64 FA3-grid cells, main's and B's entry beside cuDNN in one process;
#   4. compute-sanitizer memcheck, racecheck, synccheck (small shapes, one split) on B's
#      fwd-h100-bf16-d64-full.
cd "$(dirname "$0")"
o=${OUT:-/tmp/out}; mkdir -p "$o"
python3 -c 'import tarfile; tarfile.open("bins.tar.xz").extractall(".")' || exit 1
s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv > "$o/smi.txt" 2>&1
./probe-split > "$o/probe.txt" 2>&1; stamp probe $? >> "$o/probe.txt"
export PYTHONUNBUFFERED=1 QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash .carry/hop10/run-hop10.sh (bench/hopper/run-hop10.sh)"
: > "$o/verify.jsonl"; : > "$o/gpu-tests.log"
for gpu in h100 h200; do for dt in bf16 f16; do
  filt=fwd-$gpu-$dt-d64-full
  QIMENG_TEST_FILTER=$filt QIMENG_VERIFY_LOG="$o/verify.jsonl" timeout 60 ./B/gpu-tests > /tmp/t.log 2>&1; rc=$?
  grep -E "FAIL|^kernels:" /tmp/t.log | tail -n 3 >> "$o/gpu-tests.log"
  [ $rc = 0 ] || tail -n 30 /tmp/t.log >> "$o/gpu-tests.log"
  stamp "gpu $filt" $rc | tee -a "$o/gpu-tests.log"
done; done
echo "passed records: $(grep -c '"passed":true' "$o/verify.jsonl")" | tee -a "$o/gpu-tests.log"
timeout 100 python3 ab.py --libs main,B --d 64 --reps 10 --rounds 5 >> "$o/ab.log" 2>&1
stamp "ab d64" $? | tee -a "$o/ab.log"
for tool in memcheck racecheck synccheck; do
  [ $(( $(date +%s) - s )) -lt 200 ] || { echo "== $tool skipped (time)" >> "$o/sanitizers.log"; continue; }
  QIMENG_TEST_FILTER=fwd-h100-bf16-d64-full QIMENG_TEST_SHAPES=small timeout 45 compute-sanitizer --tool $tool --error-exitcode 3 ./B/gpu-tests > /tmp/san.log 2>&1
  rc=$?; stamp "== $tool B fwd-h100-bf16-d64-full" $rc | tee -a "$o/sanitizers.log"
  grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:|FAIL" /tmp/san.log | head -n 6 >> "$o/sanitizers.log"
done
cat "$o/probe.txt"; grep -E "^d|x cuDNN|full|causal" "$o/ab.log" | head -60
