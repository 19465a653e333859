#!/bin/bash
# Session 13, call 10: main bb52b31 (kQScale on the three bf16 softcap entries; every other fa3
# entry's PTX byte-identical to 988b5d0's).
# tests/gpu on every h100 bf16/f16 and h200 entry, full grid, with the records; then
# compute-sanitizer memcheck, racecheck and synccheck over every fwd-h100 / fwd-h200 entry (small
# grid), so that every fa3 kernel of the final main passes both on the device itself.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s13; bin=$c/final; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
t() { QIMENG_TEST_FILTER=$1 QIMENG_COMMAND="bash bench/results/raw/s13/run10.sh (tests/gpu, main bb52b31)" QIMENG_VERIFY_LOG=$out/verify-$1.jsonl timeout 300 $bin/gpu-tests > $L/t-$1.log 2>&1; stamp "gpu-tests $1" $? >> $L/rc.txt; }
t fwd-h100-bf16 & t fwd-h100-f16 & t fwd-h200 &
wait; cat $L/rc.txt; grep -hE "FAIL|^kernels:|panicked" $L/t-*.log | head -20
cat $L/t-*.log > $L/gpu-tests.log; rm -f $L/t-*.log; cat $out/verify-*.jsonl > $out/verify.jsonl; rm -f $out/verify-*.jsonl
run() { # tool filter
  QIMENG_TEST_FILTER="$2" QIMENG_TEST_SHAPES=small timeout 200 compute-sanitizer --tool $1 --error-exitcode 3 "$bin/gpu-tests" > /tmp/san-$1-$2.log 2>&1
  rc=$?; { stamp "== $1 $2" $rc; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" /tmp/san-$1-$2.log | head -n 4; } >> "$L/san.$1-$2"
}
( run racecheck fwd-h100-bf16; run synccheck fwd-h100-; run memcheck fwd-h200- ) &
( run racecheck fwd-h100-f16; run racecheck fwd-h200-; run synccheck fwd-h200-; run memcheck fwd-h100- ) &
wait
cat "$L"/san.*-* > "$L/sanitizers.log"; rm -f "$L"/san.*-*
cat "$L/sanitizers.log"

# issue 9's ratios on the same build: bench/variants_speed.py, every variant at 8k and 16k keys
# and varlen at 4k and 16k, x our plain entry, work-normalized
export PYTHONUNBUFFERED=1
timeout 400 python3 bench/variants_speed.py --lib $bin --parts variants,varlen --seqlens 8192,16384 \
  --varlen-seqlens 4096,16384 --reps 10 --rounds 3 --no-flex --out $L/variants.md > $L/variants.log 2>&1; stamp "variants_speed" $? | tee -a $L/rc.txt
grep -E "^\|" $L/variants.md | head -60
true
