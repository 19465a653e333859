#!/bin/bash
# Session 13, call 6: kQScale, adaptive, its coefficients uniform again (qa2: a warpgroup scales its Q rows for a tile's later
# blocks only when every one of its warps took the narrow tier, so wide scores keep Q as it
# is), against call 4's qs (Q scaled on every tile), qa2 + kKStages 3 on causal softcap's short schedule (qa2k3) and main 988b5d0 (base); qa2's tests/gpu on
# the softcap entries, full grid (with the new q-tiers case), first.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s13; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=softcap timeout 300 $c/qa2/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests qa2" $? | tee $L/rc.txt
grep -hE "FAIL|^kernels:|panicked|q-tiers" $L/gpu-tests.log | head -20
{
for sq in 8192:1 16384:1 2048:1 8192:4 8192:8; do
  timeout 100 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/base,$c/qs,$c/qa2,$c/qa2k3 --keys causal-plain,causal-softcap50,causal-w4096_0-softcap50,causal-w1024_0-softcap50; stamp "$sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
