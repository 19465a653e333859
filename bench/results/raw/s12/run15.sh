#!/bin/bash
# Session 12, call 15: the next tile's coordinates (tile_at) worked out after this tile's key loop
# instead of at the next tile's head (tn: raw/s12/next-tile.patch), against main 34bdffe (m14), on
# the short lengths where a tile's fixed cost weighs most; tn's tests/gpu on its entries.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s12; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=fwd timeout 200 $c/tn/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests tn" $? | tee -a $L/rc.txt
grep -hE "FAIL|^kernels:|panicked" $L/gpu-tests.log | head -10
{
for sq in 512 1024 2048 8192; do
  timeout 60 python3 bench/ab_var.py --seqlen $sq --libs $c/m14,$c/tn --keys full-plain,causal-plain; stamp "d128 $sq" $?
  timeout 60 python3 bench/ab_var.py --seqlen $sq --d 64 --libs $c/m14,$c/tn --keys full-plain,causal-plain; stamp "d64 $sq" $?
done
timeout 60 python3 bench/ab_var.py --seqlen 8192 --libs $c/m14,$c/tn --keys causal-w1024_0,full-w256_256; stamp "windows 8192" $?
} > $L/ab.log 2>&1; cat $L/ab.log
true
