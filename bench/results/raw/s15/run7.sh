#!/bin/bash
# Session 15, call 7: main 5c52b63 (call 5's change with kTensorSum's 1 / l back after the last
# P V wait: every fa3 entry's PTX is main a166926's but the two ALiBi entries'). tests/gpu on
# every h100 bf16/f16 and h200 entry, full grid, with the records; compute-sanitizer memcheck,
# racecheck and synccheck on the ALiBi entries (small grid; call 5 ran all three over every
# fwd-h100 / fwd-h200 entry of 66979d1, whose ALiBi kernels are these); the A/B of call 6 (base
# a166926 against final2 = 5c52b63); a third sample of the closing ratios. At most 8 files back.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; W=/tmp/w7; mkdir -p "$out" $W; c=.carry/s15; bin=$c/final2; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F) PYTHONUNBUFFERED=1 PYTHONPATH=bench
t() { QIMENG_TEST_FILTER=$1 QIMENG_COMMAND="bash bench/results/raw/s15/run7.sh (tests/gpu, main 5c52b63)" QIMENG_VERIFY_LOG=$W/verify-$1.jsonl timeout 260 $bin/gpu-tests > $W/t-$1.log 2>&1; stamp "gpu-tests $1" $? >> $L/rc.txt; }
t fwd-h100-bf16 & t fwd-h100-f16 & t fwd-h200 &
wait; cat $L/rc.txt; grep -hE "FAIL|^kernels:|panicked" $W/t-*.log | head -20
cat $W/t-*.log > $L/gpu-tests.log; cat $W/verify-*.jsonl > $L/verify.jsonl
: > $L/sanitizers.log
for tool in memcheck racecheck synccheck; do
  QIMENG_TEST_FILTER=alibi QIMENG_TEST_SHAPES=small timeout 120 compute-sanitizer --tool $tool --error-exitcode 3 "$bin/gpu-tests" > $W/san-$tool.log 2>&1
  rc=$?; { stamp "== $tool alibi" $rc; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" $W/san-$tool.log | head -n 4; } >> $L/sanitizers.log
done
cat $L/sanitizers.log
{
A="--libs $c/base,$c/final2"
for sq in 8192 16384; do
  timeout 150 python3 bench/ab_var.py --seqlen $sq $A --keys causal-w4096_0-softcap50,causal-softcap50,full-alibi,causal-alibi,causal-plain,full-plain; stamp "bf16 d128 $sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
timeout 90 python3 bench/variants_speed.py --lib $bin --parts variants,varlen --seqlens 8192,16384 --varlen-seqlens 4096,16384 --reps 10 --rounds 3 --no-flex --out $L/variants.md > $W/variants.log 2>&1; stamp "variants" $?
grep -E "^\| (8192|16384)" $L/variants.md | awk -F'|' '{print $2,$4,$8}'
true
