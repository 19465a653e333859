#!/bin/bash
# Session 17, call 3: two ablations on the window entries (CARRY=.carry/s17b, builds on 630af32):
#   wm = raw/s17/ablation-whole-masked.patch: a window's half edge blocks take the whole-block
#        masked softmax (correct: the invisible half is masked; twice the softmax work on those
#        blocks, 1240 fewer SASS instructions in w1024_0 + softcap's kernel, 936 in w1024_0's):
#        does the code's size cost the short windows?
#   nt = raw/s17/ablation-masked-notanh.patch: no tanh on masked blocks (timing only: wrong
#        where a masked block's scores pass the cap's narrow range): what softcap costs there.
#   wmnt = both.
# ab_var at 8k and 16k, twice.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; c=.carry/s17b; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
K=causal-w1024_0-softcap50,causal-w1024_0,full-w256_256,causal-w4096_0-softcap50
{
for i in 1 2; do for sq in 8192 16384; do
  timeout 100 python3 bench/ab_var.py --seqlen $sq --libs $c/base,$c/wm,$c/nt,$c/wmnt --keys $K; stamp "ab $sq $i" $?
done; done
} > $L/ab.log 2>&1; grep -E "device|plain|base|wm |nt |wmnt |rc=" $L/ab.log
true
