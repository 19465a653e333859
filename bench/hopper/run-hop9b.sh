#!/usr/bin/env bash
# Device side of hop9's second call (carry [".carry/hop9"]). bins.tar.xz: main/ (main 3f828e4's
# bench-ffi library), C/ (the branch after call 1: d64 full's short schedule with 3 K/V stages,
# kQStages 2 and kDeferEpilogue, d64 causal's with kQStages 2, d128 full with kUniformQ, d128
# causal's short schedule with kQStages 2 and kDeferEpilogue (call 1's, unchanged); its
# bench-ffi library, tests/gpu binary and libqimeng_variants.so). Beside it: ab.py, bench.py.
#   1. tests/gpu (C) on the entries changed since call 1 (d64 full/causal, d128 full and, by
#      the substring filter, d128 full's variant entries); records in verify.jsonl;
#   2. ab.py: every FA3-grid cell, main's and C's entry beside cuDNN in one process;
#   3. compute-sanitizer memcheck, racecheck, synccheck (small shapes) on C's h100 bf16 d64
#      full/causal and d128 full (+ its variants);
#   4. bench.py --lib C --grids fa3 --variants.
cd "$(dirname "$0")"
o=${OUT:-/tmp/out}; mkdir -p "$o"
python3 -c 'import tarfile; tarfile.open("bins.tar.xz").extractall(".")' || exit 1
s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv > "$o/smi.txt" 2>&1
export PYTHONUNBUFFERED=1 QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash .carry/hop9/run-hop9b.sh (bench/hopper/run-hop9b.sh)"
: > "$o/verify.jsonl"; : > "$o/gpu-tests.log"
for gpu in h100 h200; do for dt in bf16 f16; do for dm in d64 d128-full; do
  filt=fwd-$gpu-$dt-$dm
  QIMENG_TEST_FILTER=$filt QIMENG_VERIFY_LOG="$o/verify.jsonl" timeout 60 ./C/gpu-tests > /tmp/t.log 2>&1; rc=$?
  grep -E "FAIL|^kernels:" /tmp/t.log | tail -n 3 >> "$o/gpu-tests.log"
  [ $rc = 0 ] || tail -n 30 /tmp/t.log >> "$o/gpu-tests.log"
  stamp "gpu $filt" $rc | tee -a "$o/gpu-tests.log"
done; done; done
echo "passed records: $(grep -c '"passed":true' "$o/verify.jsonl")" | tee -a "$o/gpu-tests.log"
for d in 64 128; do
  timeout 80 python3 ab.py --libs main,C --d $d --reps 20 --rounds 5 >> "$o/ab.log" 2>&1
  stamp "ab d$d" $? | tee -a "$o/ab.log"
done
for filt in fwd-h100-bf16-d64 fwd-h100-bf16-d128-full; do for tool in memcheck racecheck synccheck; do
  [ $(( $(date +%s) - s )) -lt 150 ] || { echo "== $tool $filt skipped (time)" >> "$o/sanitizers.log"; continue; }
  QIMENG_TEST_FILTER=$filt QIMENG_TEST_SHAPES=small timeout 40 compute-sanitizer --tool $tool --error-exitcode 3 ./C/gpu-tests > /tmp/san.log 2>&1
  rc=$?; stamp "== $tool C $filt" $rc | tee -a "$o/sanitizers.log"
  grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:|FAIL" /tmp/san.log | head -n 6 >> "$o/sanitizers.log"
done; done
left=$(( 200 - ($(date +%s) - s) ))
[ $left -gt 20 ] && timeout $left python3 bench.py --lib C --grids fa3 --reps 10 --rounds 3 --variants --out "$o/fa3.md" > "$o/variants.log" 2>&1
stamp "bench variants" $? | tee -a "$o/variants.log"
grep -E "^d|x cuDNN" "$o/ab.log" | head -80
