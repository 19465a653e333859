#!/bin/bash
# Session 14, call 3: kTensorSum as one GEMM (t136): V's stages carry a box of ones past the head
# dim and the P V wgmma is m64n136k16, its last 8 columns the row sums; on six h100 bf16 d128
# entries, kKStages 3 -> 2 where set (the ones take 16 KiB a V stage). Against main f891367
# (base) and main with kKStages 2 (k2, the control for the window entries); t136's tests/gpu on
# its six entries, full grid, first.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s14; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=fwd-h100-bf16-d128 timeout 240 $c/t136/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests t136" $? | tee $L/rc.txt
grep -hE "FAIL|^kernels:|panicked|error" $L/gpu-tests.log | head -20
{
for sq in 8192:1 16384:1 8192:8; do
  timeout 150 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/base,$c/k2,$c/t136 --keys full-plain,causal-softcap50,causal-w4096_0-softcap50,causal-w4096_0,causal-w1024_0,causal-w1024_0-softcap50; stamp "$sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
