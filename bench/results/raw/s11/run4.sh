#!/bin/bash
# Session 11, call 4: (1) two experiments (branch s11-exp, .carry/s11/exp) against main bf2c931
# (.carry/s11/main), KEEP d128 bf16 plain causal/full, ALiBi causal/full, softcap50,
# w4096_0-softcap50: kAlibiRegBias (ALiBi's key part from registers, not the shared table) and
# kSkipTier (softcap's later blocks take the narrow tier without the vote: the vote's cost, a
# ceiling; exact at q x 1, whose scores are all narrow). (2) tests/gpu of main bf2c931's release
# build (.carry/s11/final/gpu-tests) on every h100 bf16/f16 and h200 entry, full grid, with the
# verification records. bash bench/results/raw/s11/run4.sh from the repo root.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s11; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
{
for sq in 8192:1 16384:1 2048:1 8192:4; do
  timeout 60 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/main,$c/exp --keys causal-alibi,full-alibi,causal-softcap50,causal-w4096_0-softcap50; stamp "$sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
export QIMENG_DATE=$(date -u +%F)
for f in fwd-h100-bf16 fwd-h100-f16 fwd-h200; do
  QIMENG_TEST_FILTER=$f QIMENG_COMMAND="bash bench/results/raw/s11/run4.sh (tests/gpu, main bf2c931)" QIMENG_VERIFY_LOG=$out/verify.jsonl timeout 300 $c/final/gpu-tests > $L/t-$f.log 2>&1; stamp "gpu-tests $f" $? | tee -a $L/rc.txt
  grep -E "FAIL|^kernels:|panicked" $L/t-$f.log | head -20
done
cat $L/t-*.log > $L/gpu-tests.log; rm -f $L/t-*.log
true
