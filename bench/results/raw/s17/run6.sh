#!/bin/bash
# Session 17, call 6: kStaticOffset (every block's exp2s at offset 0, the first block's too: no
# row max in a softcap tile; needs kTensorSum) and kMaskedFold (a narrow masked block takes the
# cubic folded into its exp2s, masked after, instead of MUFU tanh): raw/s17/static-offset-
# masked-fold.patch on 630af32. CARRY=.carry/s17e: w1024_0 + softcap, builds base (committed),
# hg0 (no kHeadGroup, call 4), so / mf / somf (hg0 + either or both). CARRY=.carry/s17f: Gemma
# 2's window and causal softcap (its short schedule, the Spec with kTensorSum), base and somf.
# tests/gpu (full grid) of every new build, then ab_var at 8k and 16k, twice, and at 8k q x 8.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
: > $L/gpu-tests.log
for b in s17e/so s17e/mf s17e/somf s17f/somf; do
  echo "== $b" >> $L/gpu-tests.log
  QIMENG_TEST_FILTER=softcap timeout 100 .carry/$b/gpu-tests >> $L/gpu-tests.log 2>&1; stamp "gpu-tests $b" $?
done
grep -E "^==|FAIL|^kernels:|panicked" $L/gpu-tests.log | tail -12
e=.carry/s17e; f=.carry/s17f
{
for i in 1 2; do for sq in 8192 16384; do
  timeout 100 python3 bench/ab_var.py --seqlen $sq --libs $e/base,$e/hg0,$e/so,$e/mf,$e/somf --keys causal-w1024_0-softcap50; stamp "ab e $sq $i" $?
  timeout 100 python3 bench/ab_var.py --seqlen $sq --libs $f/base,$f/somf --keys causal-w4096_0-softcap50,causal-softcap50; stamp "ab f $sq $i" $?
done; done
timeout 100 python3 bench/ab_var.py --seqlen 8192 --q-scale 8 --libs $e/base,$e/hg0,$e/so,$e/mf,$e/somf --keys causal-w1024_0-softcap50; stamp "ab e 8192 q x 8" $?
timeout 100 python3 bench/ab_var.py --seqlen 8192 --q-scale 8 --libs $f/base,$f/somf --keys causal-w4096_0-softcap50,causal-softcap50; stamp "ab f 8192 q x 8" $?
} > $L/ab.log 2>&1; grep -E "device|plain|base|hg0 |so |mf |somf |rc=" $L/ab.log
true
