#!/usr/bin/env bash
# Device side of session 5's one call (carry [".carry/hopper5"], files copied there by hand):
#   gpu-tests (tests/gpu, kernels), libqimeng_bench_ffi.so (bench/ffi), bench.py,
#   libqimeng_variants.so (bench/hopper/build-variants.sh), this script.
# tests/gpu on the two-schedule Hopper entries (d64, d128; h100, h200; bf16, f16; the filter is
# a substring, so the d128 window/ALiBi/varlen/softcap entries run too), compute-sanitizer on
# one persistent-causal d128 and one d64 entry (small shapes: their short, persistent schedule),
# the FA3 grid in the harness (bench.py, interleaved with cuDNN), then the harness again with
# the fa3 schedule variants (bench/hopper/variants_fa3.cu). At most 8 files come back.
cd "$(dirname "$0")"
o=${OUT:-/tmp/out}; mkdir -p "$o"
s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv > "$o/smi.txt" 2>&1
export QIMENG_DATE=$(date -u +%F) QIMENG_COMMAND="bash .carry/hopper5/run5.sh (bench/hopper/run5.sh)"
: > "$o/verify.jsonl"; : > "$o/gpu-tests.log"
for g in h100 h200; do for t in bf16 f16; do for k in d64-full d64-causal d128-full d128-causal; do
  key=fwd-$g-$t-$k
  QIMENG_TEST_FILTER=$key QIMENG_VERIFY_LOG=/tmp/v.jsonl timeout 60 ./gpu-tests >> "$o/gpu-tests.log" 2>&1; rc=$?
  cat /tmp/v.jsonl >> "$o/verify.jsonl"; stamp "gpu $key" $rc | tee -a "$o/gpu-tests.log"
done; done; done
grep -E "FAIL|^kernels:" "$o/gpu-tests.log" | sort | uniq -c
export PYTHONUNBUFFERED=1
timeout 240 python3 bench.py --lib . --grids fa3 --reps 10 --rounds 3 --out /tmp/bench.md > "$o/bench.log" 2>&1
stamp bench $? | tee -a "$o/bench.log"
: > "$o/sanitizers.log"
for spec in memcheck:fwd-h100-f16-d128-causal synccheck:fwd-h100-f16-d128-causal racecheck:fwd-h100-f16-d128-causal \
            memcheck:fwd-h100-bf16-d64-causal synccheck:fwd-h100-bf16-d64-causal racecheck:fwd-h100-bf16-d64-causal; do
  tool=${spec%%:*}; filt=${spec#*:}
  QIMENG_TEST_FILTER=$filt QIMENG_TEST_SHAPES=small timeout 50 compute-sanitizer --tool $tool --error-exitcode 3 ./gpu-tests > /tmp/san.log 2>&1
  rc=$?; stamp "== $tool $filt" $rc | tee -a "$o/sanitizers.log"
  grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:|passed|FAIL" /tmp/san.log | head -n 12 >> "$o/sanitizers.log"
done
timeout 200 python3 bench.py --lib . --grids fa3 --reps 10 --rounds 3 --variants --out /tmp/bench-v.md > "$o/bench-variants.log" 2>&1
stamp bench-variants $? | tee -a "$o/bench-variants.log"
grep -h "rc=" "$o"/*.log
