#!/usr/bin/env bash
# Device side of hop9's call (carry [".carry/hop9"]). bins.tar.xz: main/ (main 3f828e4's
# bench-ffi library), B/ (the
# branch: the plain d64/d128 entries' persistent schedules with kQStages = 2 and
# kDeferEpilogue; its bench-ffi library, tests/gpu binary and libqimeng_variants.so, built from
# bench/hopper/variants_fa3.cu). Beside it: ab.py (bench/results/raw/hop9/), bench.py.
#   1. tests/gpu (B) on every entry whose kernel changed (the substring filter adds the d128
#      variant entries beside them); records in verify.jsonl;
#   2. ab.py: every FA3-grid cell, main's and B's entry beside cuDNN in one process;
#   3. compute-sanitizer memcheck, racecheck, synccheck (small shapes) on B's d64 full;
#   4. bench.py --lib B --grids fa3 --variants: the variants (controls: main's schedules).
# Steps 3 and 4 are skipped past 170 s and 200 s (the call's device-time allowance).
# At most 8 files come back: verify.jsonl, gpu-tests.log, ab.log, sanitizers.log, fa3.md,
# variants.log, smi.txt.
cd "$(dirname "$0")"
o=${OUT:-/tmp/out}; mkdir -p "$o"
python3 -c 'import tarfile; tarfile.open("bins.tar.xz").extractall(".")' || exit 1
s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv > "$o/smi.txt" 2>&1
export PYTHONUNBUFFERED=1 QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash .carry/hop9/run-hop9.sh (bench/hopper/run-hop9.sh)"
: > "$o/verify.jsonl"; : > "$o/gpu-tests.log"
for gpu in h100 h200; do for dt in bf16 f16; do for dm in d64 d128-full d128-causal; do
  filt=fwd-$gpu-$dt-$dm
  QIMENG_TEST_FILTER=$filt QIMENG_VERIFY_LOG="$o/verify.jsonl" timeout 60 ./B/gpu-tests > /tmp/t.log 2>&1; rc=$?
  grep -E "FAIL|^kernels:" /tmp/t.log | tail -n 3 >> "$o/gpu-tests.log"
  [ $rc = 0 ] || tail -n 30 /tmp/t.log >> "$o/gpu-tests.log"
  stamp "gpu $filt" $rc | tee -a "$o/gpu-tests.log"
done; done; done
echo "passed records: $(grep -c '"passed":true' "$o/verify.jsonl")" | tee -a "$o/gpu-tests.log"
for d in 64 128; do
  timeout 80 python3 ab.py --libs main,B --d $d --reps 20 --rounds 5 >> "$o/ab.log" 2>&1
  stamp "ab d$d" $? | tee -a "$o/ab.log"
done
for tool in memcheck racecheck synccheck; do
  [ $(( $(date +%s) - s )) -lt 170 ] || { echo "== $tool skipped (time)" >> "$o/sanitizers.log"; continue; }
  QIMENG_TEST_FILTER=fwd-h100-bf16-d64-full QIMENG_TEST_SHAPES=small timeout 45 compute-sanitizer --tool $tool --error-exitcode 3 ./B/gpu-tests > /tmp/san.log 2>&1
  rc=$?; stamp "== $tool B fwd-h100-bf16-d64-full" $rc | tee -a "$o/sanitizers.log"
  grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:|FAIL" /tmp/san.log | head -n 6 >> "$o/sanitizers.log"
done
left=$(( 250 - ($(date +%s) - s) ))
[ $left -gt 30 ] && timeout $left python3 bench.py --lib B --grids fa3 --reps 10 --rounds 3 --variants --out "$o/fa3.md" > "$o/variants.log" 2>&1
stamp "bench variants" $? | tee -a "$o/variants.log"
grep -E "^d|x cuDNN" "$o/ab.log" | head -80
