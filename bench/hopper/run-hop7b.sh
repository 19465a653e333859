#!/usr/bin/env bash
# Device side of hop7's second call (carry [".carry/hop7"]). A/: the branch's entries after
# call 1 (d64 short schedules with partial row chains, d64 causal short up to 4k) as
# gpu-tests + libqimeng_bench_ffi.so, with libqimeng_variants.so (bench/hopper/variants_fa3.cu);
# B/: the same plus kRowBoundMask in the d64 and d128 causal short schedules. keys-A.txt: every
# entry on fa3_fwd.cuh; keys-B.txt: the entries B changes.
#   1. tests/gpu per key (A: all, B: its own), records of that key only;
#   2. compute-sanitizer memcheck, synccheck, racecheck (small shapes) on A's d64 full and B's
#      d64 and d128 causal;
#   3. the FA3 grid in the harness for A, then B, then A with the variants.
cd "$(dirname "$0")"
o=${OUT:-/tmp/out}; mkdir -p "$o/A" "$o/B"
# the binaries travel xz-compressed (the carry limit)
python3 -c 'import tarfile; tarfile.open("bins.tar.xz").extractall(".")' || exit 1
s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv > "$o/smi.txt" 2>&1
export PYTHONUNBUFFERED=1 QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash .carry/hop7/run-hop7b.sh (bench/hopper/run-hop7b.sh)"
for v in A B; do
  : > "$o/$v/verify.jsonl"; : > "$o/$v/gpu-tests.log"
  for key in $(cat keys-$v.txt); do
    rm -f /tmp/v.jsonl
    QIMENG_TEST_FILTER=$key QIMENG_VERIFY_LOG=/tmp/v.jsonl timeout 90 ./$v/gpu-tests > /tmp/t.log 2>&1; rc=$?
    grep "\"$key\"" /tmp/v.jsonl >> "$o/$v/verify.jsonl"; cat /tmp/t.log >> "$o/$v/gpu-tests.log"
    stamp "gpu $v $key" $rc | tee -a "$o/$v/gpu-tests.log"
  done
done
grep -h "rc=" "$o"/*/gpu-tests.log | grep -v "rc=0" ; grep -ch '"passed":true' "$o"/*/verify.jsonl
for spec in A:fwd-h100-bf16-d64-full B:fwd-h100-bf16-d64-causal B:fwd-h100-f16-d128-causal; do
  v=${spec%%:*}; filt=${spec#*:}
  for tool in memcheck synccheck racecheck; do
    QIMENG_TEST_FILTER=$filt QIMENG_TEST_SHAPES=small timeout 90 compute-sanitizer --tool $tool --error-exitcode 3 ./$v/gpu-tests > /tmp/san.log 2>&1
    rc=$?; stamp "== $tool $v $filt" $rc | tee -a "$o/sanitizers.log"
    grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:|passed|FAIL" /tmp/san.log | head -n 12 >> "$o/sanitizers.log"
  done
done
for run in A B A-variants; do
  v=${run%%-*}; extra=""; [ "$run" = A-variants ] && extra=--variants
  timeout 200 python3 bench.py --lib $v --grids fa3 --reps 10 --rounds 3 $extra --out "$o/$run.md" > "$o/$run.log" 2>&1
  stamp "bench $run" $? | tee -a "$o/$run.log"
done
for run in A B; do
  echo "== $run"; awk '/^fa3/ {printf "%s %s %s %s %s %s\n", $2, $3, $5, $9, $11, $(NF-10)}' "$o/$run.log"
done
awk '/^fa3/ {c=$2" "$3" "$5} /^  variant/ {printf "%s %-30s %s %s rel %s\n", c, $2, $7, $8, $(NF-1)}' "$o/A-variants.log"
