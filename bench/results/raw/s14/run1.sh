#!/bin/bash
# Session 14, call 1: kTensorSum (the row sums l = P 1 on the tensor cores: an m64n8k16 wgmma on a
# block of ones beside each P V k step, no FADD per score) on nine h100 bf16 d128 entries (ts, with
# kCrossTile off where the entry had it: plain causal's short schedule), against main f891367
# (base) and main with kCrossTile off (nc: plain causal's control); ts's tests/gpu on the nine
# entries, full grid, first.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s14; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=fwd-h100-bf16-d128 timeout 240 $c/ts/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests ts" $? | tee $L/rc.txt
grep -hE "FAIL|^kernels:|panicked|error" $L/gpu-tests.log | head -20
{
for sq in 8192:1 16384:1 8192:8; do
  timeout 150 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/base,$c/nc,$c/ts --keys causal-plain,full-plain,causal-softcap50,causal-w4096_0-softcap50,causal-w4096_0,causal-w1024_0; stamp "$sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
