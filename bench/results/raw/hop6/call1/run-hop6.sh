#!/usr/bin/env bash
# Device side of hop6's call (carry [".carry/hop6"]): files copied there by hand (gpu-tests,
# libqimeng_bench_ffi.so, libqimeng_variants.so, bench.py, prof_short.py, this script).
#   1. tests/gpu on the fa3 d64/d128 entries (h100, h200; bf16, f16) when gpu-tests is there,
#      compute-sanitizer (memcheck, racecheck, synccheck) on one d64 persistent entry (small);
#   2. the FA3 grid in the harness with the variants (libqimeng_variants.so);
#   3. ncu --set full on one launch each of ours and cuDNN at d64 512 (prof_short.py).
cd "$(dirname "$0")"
o=${OUT:-/tmp/out}; mkdir -p "$o"
s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv > "$o/smi.txt" 2>&1
export PYTHONUNBUFFERED=1
if [ -x ./gpu-tests ]; then
  export QIMENG_DATE=$(date -u +%F) QIMENG_COMMAND="bash .carry/hop6/run-hop6.sh (bench/hopper/run-hop6.sh)"
  : > "$o/verify.jsonl"; : > "$o/gpu-tests.log"
  for g in h100 h200; do for t in bf16 f16; do for k in d64-full d64-causal d128-full d128-causal; do
    key=fwd-$g-$t-$k
    QIMENG_TEST_FILTER=$key QIMENG_VERIFY_LOG=/tmp/v.jsonl timeout 60 ./gpu-tests >> "$o/gpu-tests.log" 2>&1; rc=$?
    cat /tmp/v.jsonl >> "$o/verify.jsonl"; stamp "gpu $key" $rc | tee -a "$o/gpu-tests.log"
  done; done; done
  grep -E "FAIL|^kernels:" "$o/gpu-tests.log" | sort | uniq -c
  for tool in memcheck synccheck racecheck; do
    QIMENG_TEST_FILTER=fwd-h100-bf16-d64-causal QIMENG_TEST_SHAPES=small timeout 60 compute-sanitizer --tool $tool --error-exitcode 3 ./gpu-tests > /tmp/san.log 2>&1
    rc=$?; stamp "== $tool fwd-h100-bf16-d64-causal" $rc | tee -a "$o/gpu-tests.log"
    grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:|passed|FAIL" /tmp/san.log | head -n 12 >> "$o/gpu-tests.log"
  done
fi
timeout 200 python3 bench.py --lib . --grids fa3 --reps 10 --rounds 3 --variants --out "$o/bench.md" > "$o/bench.log" 2>&1
stamp bench $? | tee -a "$o/bench.log"
timeout 150 ncu --set full --clock-control none --profile-from-start off -o /tmp/prof python3 prof_short.py . > "$o/ncu.log" 2>&1
stamp ncu $? | tee -a "$o/ncu.log"
ncu --import /tmp/prof.ncu-rep --page details --print-units base > "$o/ncu-details.txt" 2>&1
ncu --import /tmp/prof.ncu-rep --page raw --csv > /tmp/raw.csv 2>&1; gzip -c /tmp/raw.csv > "$o/ncu-raw.csv.gz"
grep -h "rc=" "$o"/*.log
