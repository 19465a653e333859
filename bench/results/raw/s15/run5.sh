#!/bin/bash
# Session 15, call 5: main 66979d1 (kAlibiPreload = false on full ALiBi; ALiBi's side and row
# term with the preload; the header's register check, kTensorSum assert, one 1 / l; entries
# regenerated). tests/gpu on every h100 bf16/f16 and h200 entry, full grid, with the records;
# issue 9's ratios (variants_speed.py, 8k / 16k, varlen 4k / 16k); compute-sanitizer memcheck,
# racecheck and synccheck over every fwd-h100 / fwd-h200 entry (small grid); then the FA3 grid
# against cuDNN (bench.py --grids fa3). At most 8 files back.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; W=/tmp/w5; mkdir -p "$out" $W; c=.carry/s15; bin=$c/final; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F) PYTHONUNBUFFERED=1 PYTHONPATH=bench
t() { QIMENG_TEST_FILTER=$1 QIMENG_COMMAND="bash bench/results/raw/s15/run5.sh (tests/gpu, main 66979d1)" QIMENG_VERIFY_LOG=$W/verify-$1.jsonl timeout 260 $bin/gpu-tests > $W/t-$1.log 2>&1; stamp "gpu-tests $1" $? >> $L/rc.txt; }
t fwd-h100-bf16 & t fwd-h100-f16 & t fwd-h200 &
wait; cat $L/rc.txt; grep -hE "FAIL|^kernels:|panicked" $W/t-*.log | head -20
cat $W/t-*.log > $L/gpu-tests.log; cat $W/verify-*.jsonl > $L/verify.jsonl
timeout 90 python3 bench/variants_speed.py --lib $bin --parts variants,varlen --seqlens 8192,16384 --varlen-seqlens 4096,16384 --reps 10 --rounds 3 --no-flex --out $L/variants.md > $W/variants.log 2>&1; stamp "variants" $? | tee -a $L/rc.txt
run() { # tool filter
  QIMENG_TEST_FILTER="$2" QIMENG_TEST_SHAPES=small timeout 140 compute-sanitizer --tool $1 --error-exitcode 3 "$bin/gpu-tests" > $W/san-$1-$2.log 2>&1
  rc=$?; { stamp "== $1 $2" $rc; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" $W/san-$1-$2.log | head -n 4; } >> "$W/san.$1-$2"
}
( run racecheck fwd-h100-bf16; run synccheck fwd-h100-; run memcheck fwd-h200- ) &
( run racecheck fwd-h100-f16; run racecheck fwd-h200-; run synccheck fwd-h200-; run memcheck fwd-h100- ) &
wait
cat "$W"/san.*-* > "$L/sanitizers.log"
cat "$L/sanitizers.log"
left=$(( 585 - ($(date +%s) - s) ))
[ $left -gt 60 ] && { timeout $left python3 bench/bench.py --lib $bin --grids fa3 --reps 10 --rounds 3 --out $L/fa3.md > $W/fa3.log 2>&1; stamp "fa3 grid" $? | tee -a $L/rc.txt; }
tar -czf $L/logs.tgz -C $W variants.log $(cd $W && ls fa3.log 2>/dev/null)
true
