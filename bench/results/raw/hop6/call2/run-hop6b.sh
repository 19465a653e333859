#!/usr/bin/env bash
# Device side of hop6's second call (carry [".carry/hop6"]): gpu-tests and
# libqimeng_bench_ffi.so built from the branch (entries: carried ping-pong turns, d64 causal
# short schedule on a 3-stage ring), libqimeng_variants.so (bench/hopper/variants_fa3.cu:
# kEarlyNextS), bench.py, this script.
#   1. tests/gpu on the fa3 d64/d128 entries (h100, h200; bf16, f16) and the persistent d128
#      variant entries; compute-sanitizer (memcheck, synccheck, racecheck) on a d64 and a d128
#      persistent entry, small shapes (one has 140 tiles: blocks run a second tile);
#   2. the FA3 grid in the harness (the closing table), then again with the variants.
cd "$(dirname "$0")"
o=${OUT:-/tmp/out}; mkdir -p "$o"
s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv > "$o/smi.txt" 2>&1
export PYTHONUNBUFFERED=1
export QIMENG_DATE=$(date -u +%F) QIMENG_COMMAND="bash .carry/hop6/run-hop6b.sh (bench/hopper/run-hop6b.sh)"
: > "$o/verify.jsonl"; : > "$o/gpu-tests.log"
keys=""
for g in h100 h200; do for t in bf16 f16; do for k in d64-full d64-causal d128-full d128-causal; do keys="$keys fwd-$g-$t-$k"; done; done; done
keys="$keys fwd-h100-bf16-d128-full-alibi fwd-h100-bf16-d128-full-varlen fwd-h100-bf16-d128-full-w256_256 fwd-h100-bf16-d128-causal-w1024_0 fwd-h100-bf16-d128-causal-w1024_0-softcap50"
for key in $keys; do
  QIMENG_TEST_FILTER=$key QIMENG_VERIFY_LOG=/tmp/v.jsonl timeout 60 ./gpu-tests > /tmp/t.log 2>&1; rc=$?
  # the filter is a substring: keep the records of this key only
  grep "\"$key\"" /tmp/v.jsonl >> "$o/verify.jsonl"; cat /tmp/t.log >> "$o/gpu-tests.log"; stamp "gpu $key" $rc | tee -a "$o/gpu-tests.log"
done
grep -E "FAIL|^kernels:" "$o/gpu-tests.log" | sort | uniq -c
for spec in memcheck:fwd-h100-bf16-d64-causal synccheck:fwd-h100-bf16-d64-causal racecheck:fwd-h100-bf16-d64-causal \
            memcheck:fwd-h100-f16-d128-full synccheck:fwd-h100-f16-d128-full racecheck:fwd-h100-f16-d128-full; do
  tool=${spec%%:*}; filt=${spec#*:}
  QIMENG_TEST_FILTER=$filt QIMENG_TEST_SHAPES=small timeout 60 compute-sanitizer --tool $tool --error-exitcode 3 ./gpu-tests > /tmp/san.log 2>&1
  rc=$?; stamp "== $tool $filt" $rc | tee -a "$o/gpu-tests.log"
  grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:|passed|FAIL" /tmp/san.log | head -n 12 >> "$o/gpu-tests.log"
done
timeout 120 python3 bench.py --lib . --grids fa3 --reps 10 --rounds 3 --out "$o/bench.md" > "$o/bench.log" 2>&1
stamp bench $? | tee -a "$o/bench.log"
timeout 150 python3 bench.py --lib . --grids fa3 --reps 10 --rounds 3 --variants --out "$o/bench-variants.md" > "$o/bench-variants.log" 2>&1
stamp bench-variants $? | tee -a "$o/bench-variants.log"
grep -h "rc=" "$o"/*.log
