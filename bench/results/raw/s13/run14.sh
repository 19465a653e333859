#!/bin/bash
# Session 13, call 14: the adaptive kQScale per warp (qa8: each warp scales its own 16 Q rows
# when it took the narrow tier on its last polynomial block; no warpgroup vote, the ping-pong
# turn's barrier orders the stores before the warpgroup's wgmma), against qa6 (call 12) and main
# (m13: Q scaled on every tile); qa8's tests/gpu on the softcap entries, full grid, first.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s13; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=softcap timeout 300 $c/qa8/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests qa8" $? | tee $L/rc.txt
grep -hE "FAIL|^kernels:|panicked|q-tiers" $L/gpu-tests.log | head -20
{
for sq in 8192:1 16384:1 2048:1 8192:4 8192:8; do
  timeout 100 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/m13,$c/qa6,$c/qa8 --keys causal-plain,causal-softcap50,causal-w4096_0-softcap50,causal-w1024_0-softcap50; stamp "$sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
