#!/usr/bin/env bash
# Device side of hop12's call (carry [".carry/hop12"]; copied there as run.sh). main/: main
# 81f5ce5's bench-ffi library (.carry/bench of the session 6 call 4 build); C/: branch hop12's
# bench-ffi library and tests/gpu binary (kEvenTail in the plain d64 / d128 causal short
# schedules). Beside them: ab.py (bench/results/raw/hop9/ab.py), bench.py.
#   1. tests/gpu (C), full grid, on the 8 changed entries (h100/h200 x bf16/f16 x d64/d128
#      causal; the d128 filter adds its variant entries); records in verify.jsonl;
#   2. ab.py main vs C beside cuDNN: the causal cells of d64 and d128, 512..16k;
#   3. compute-sanitizer memcheck, racecheck, synccheck (small shapes) on C's
#      fwd-h100-bf16-d64-causal;
#   4. time left: ab.py again on the 512 and 1k causal cells, more repetitions.
cd "$(dirname "$0")"
o=${OUT:-/tmp/out}; mkdir -p "$o"
s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv > "$o/smi.txt" 2>&1
export PYTHONUNBUFFERED=1 QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash .carry/hop12/run.sh (bench/hopper/run-hop12.sh)"
: > "$o/verify.jsonl"; : > "$o/gpu-tests.log"
for gpu in h100 h200; do for dt in bf16 f16; do for dm in d64 d128; do
  filt=fwd-$gpu-$dt-$dm-causal
  QIMENG_TEST_FILTER=$filt QIMENG_VERIFY_LOG="$o/verify.jsonl" timeout 40 ./C/gpu-tests > /tmp/t.log 2>&1; rc=$?
  grep -E "FAIL|^kernels:" /tmp/t.log | tail -n 3 >> "$o/gpu-tests.log"
  [ $rc = 0 ] || tail -n 30 /tmp/t.log >> "$o/gpu-tests.log"
  stamp "gpu $filt" $rc | tee -a "$o/gpu-tests.log"
done; done; done
echo "passed records: $(grep -c '"passed":true' "$o/verify.jsonl")" | tee -a "$o/gpu-tests.log"
cells=causal-512,causal-1024,causal-2048,causal-4096,causal-8192,causal-16384
for d in 64 128; do
  timeout 45 python3 ab.py --libs main,C --d $d --cells $cells --reps 10 --rounds 5 >> "$o/ab.log" 2>&1
  stamp "ab d$d" $? | tee -a "$o/ab.log"
done
for tool in memcheck racecheck synccheck; do
  QIMENG_TEST_FILTER=fwd-h100-bf16-d64-causal QIMENG_TEST_SHAPES=small timeout 30 compute-sanitizer --tool $tool --error-exitcode 3 ./C/gpu-tests > /tmp/san.log 2>&1
  rc=$?; stamp "== $tool C fwd-h100-bf16-d64-causal" $rc | tee -a "$o/sanitizers.log"
  grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:|FAIL" /tmp/san.log | head -n 6 >> "$o/sanitizers.log"
done
for d in 64 128; do
  [ $(( $(date +%s) - s )) -lt 110 ] || { echo "ab2 d$d skipped (time)" >> "$o/ab2.log"; continue; }
  timeout 30 python3 ab.py --libs main,C --d $d --cells causal-512,causal-1024 --reps 20 --rounds 7 >> "$o/ab2.log" 2>&1
  stamp "ab2 d$d" $? | tee -a "$o/ab2.log"
done
grep -E "^d|x cuDNN" "$o/ab.log" "$o/ab2.log"
