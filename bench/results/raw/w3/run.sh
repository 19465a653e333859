#!/bin/bash
# Session 9 (issue 9), call 1: bash bench/results/raw/w3/run.sh from the repo root of the device's
# checkout. Builds of build.sh in .carry/w3/: base = main; w3s4 / w3s3 = the causal w1024_0 entry
# with 3 consumer warpgroups (BM 192), BN 64 and a 4- / 3-stage K/V ring (no per-warpgroup block
# skip yet). tests/gpu of w3s4's window entry (full grid), then ab_var.py (.carry/w3/ab_var.py is
# bench/ab_var.py byte for byte) at 8k twice and 4k.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/w3; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
( QIMENG_TEST_FILTER=w1024_0 timeout 120 $c/w3s4/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests w3s4" $? >> $L/rc.txt )
sort $L/rc.txt; grep -HE "FAIL|^kernels:|max err" $L/gpu-tests.log | tail -n 20
export PYTHONUNBUFFERED=1
cp bench/bench.py bench/variants_speed.py $c/
libs=$c/base,$c/w3s4,$c/w3s3
{
for S in 8192 8192 4096; do
  timeout 60 python3 $c/ab_var.py --seqlen $S --reps 10 --rounds 5 --libs $libs --keys causal-w1024_0; stamp "ab_var $S" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
