#!/bin/bash
# Session 15, call 10 (an experiment for the next session; not landed): call 8 found Gemma 2's
# window at 16k waiting on its 2-deep K ring (kTensorSum's ones took the third K stage's room).
# o-direct.patch adds kODirect: O stored from registers straight to global memory, no 32 KiB
# staging tile, which makes room for kKStages 3 beside the ones (224 KiB). od2: the two
# softcap windows with kODirect only; od3: kODirect and kKStages 3; base: main f7d237f.
# tests/gpu on od3's two entries first (full grid), then the A/B at 8k and 16k keys.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s15; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=0-softcap50 timeout 120 $c/od3/gpu-tests > $L/gpu-tests-od3.log 2>&1
stamp "gpu-tests" $? | tee $L/rc.txt
grep -hE "FAIL|^kernels:|panicked|error" $L/gpu-tests-od3.log | head -20
{
A="--libs $c/base,$c/od2,$c/od3"
for sq in 16384 8192; do
  timeout 100 python3 bench/ab_var.py --seqlen $sq $A --keys causal-w4096_0-softcap50,causal-w1024_0-softcap50; stamp "bf16 d128 $sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
