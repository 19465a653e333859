#!/bin/bash
# Session 17, call 1: kQRegs (the S GEMM with Q's fragments in registers, wgmma's RS form;
# raw/s17/qregs.patch on 630af32, build qr, CARRY=.carry/s17; kQRegs = true in every Spec of the
# six entries below; the kSpecExp ones spill 20-28 bytes). tests/gpu of qr's entries (full
# grid), then ab_var against base at 8k and 16k, twice, and at 8k with q x 8.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; c=.carry/s17; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=fwd-h100-bf16-d128 timeout 150 $c/qr/gpu-tests > $L/gpu-tests-qr.log 2>&1; stamp "gpu-tests qr" $?
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests-qr.log | tail -8
K=causal-w1024_0-softcap50,causal-w4096_0-softcap50,causal-softcap50,causal-w1024_0,causal-plain,full-plain
{
for i in 1 2; do for sq in 8192 16384; do
  timeout 100 python3 bench/ab_var.py --seqlen $sq --libs $c/base,$c/qr --keys $K; stamp "ab $sq $i" $?
done; done
timeout 100 python3 bench/ab_var.py --seqlen 8192 --q-scale 8 --libs $c/base,$c/qr --keys $K; stamp "ab 8192 q x 8" $?
} > $L/ab.log 2>&1; grep -E "device|plain|base|qr |rc=" $L/ab.log
true
