#!/usr/bin/env bash
# Device side of hop8's call (carry [".carry/hop8"]). bins.tar.xz: base/ (main bca2d76's
# bench-ffi library), U/ (the d64 short schedules with Q's descriptors in uniform registers),
# UN/ (U without the row-bound mask in d64 causal), UM/ (U with the mask up to 2048 keys; its
# d64 causal short kernel, SASS-identical to U's, is the one the branch keeps) with UM's
# tests/gpu binary.
#   1. tests/gpu on the 8 d64 entries on fa3_fwd.cuh (UM; records in verify.jsonl);
#   2. compute-sanitizer memcheck, synccheck, racecheck (small shapes) on UM's d64 causal;
#   3. ab.py: the d64 short-schedule cells of the FA3 grid, every build beside cuDNN.
# At most 8 files come back: verify.jsonl, gpu-tests.log, sanitizers.log, ab.log, smi.txt.
cd "$(dirname "$0")"
o=${OUT:-/tmp/out}; mkdir -p "$o"
python3 -c 'import tarfile; tarfile.open("bins.tar.xz").extractall(".")' || exit 1
s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv > "$o/smi.txt" 2>&1
export PYTHONUNBUFFERED=1 QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash .carry/hop8/run-hop8.sh (bench/hopper/run-hop8.sh)"
: > "$o/verify.jsonl"; : > "$o/gpu-tests.log"
for filt in fwd-h100-bf16-d64 fwd-h100-f16-d64 fwd-h200-bf16-d64 fwd-h200-f16-d64; do
  QIMENG_TEST_FILTER=$filt QIMENG_VERIFY_LOG="$o/verify.jsonl" timeout 90 ./UM/gpu-tests > /tmp/t.log 2>&1; rc=$?
  grep -E "FAIL|^kernels:|passed|failed" /tmp/t.log | tail -n 4 >> "$o/gpu-tests.log"
  [ $rc = 0 ] || tail -n 40 /tmp/t.log >> "$o/gpu-tests.log"
  stamp "gpu $filt" $rc | tee -a "$o/gpu-tests.log"
done
grep -c '"passed":true' "$o/verify.jsonl"
timeout 120 python3 ab.py --libs base,U,UN,UM > "$o/ab.log" 2>&1
stamp "ab" $? | tee -a "$o/ab.log"
for tool in memcheck synccheck racecheck; do
  QIMENG_TEST_FILTER=fwd-h100-bf16-d64-causal QIMENG_TEST_SHAPES=small timeout 60 compute-sanitizer --tool $tool --error-exitcode 3 ./UM/gpu-tests > /tmp/san.log 2>&1
  rc=$?; stamp "== $tool UM fwd-h100-bf16-d64-causal" $rc | tee -a "$o/sanitizers.log"
  grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:|passed|FAIL" /tmp/san.log | head -n 6 >> "$o/sanitizers.log"
done
cat "$o/ab.log"
