#!/bin/bash
# Session 10, call 3: kSpecExp with the rescale one block late (deferred), not on a tile's last block;
# else as call 2. bash bench/results/raw/s10/run3.sh
# from the repo root of the device's checkout; .carry/s10/{base,sp} as call 1 (sp rebuilt;
# tests/gpu with the large-score cases for every kernel).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s10; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=fwd-h timeout 200 $c/sp/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests sp" $? | tee -a $L/rc.txt
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | head -20
{
timeout 60 python3 bench/results/raw/s10/acc.py --libs $c/base,$c/sp --seqlens 8192; stamp "acc" $?
for sq in 8192 16384; do
  timeout 100 python3 bench/ab_var.py --seqlen $sq --reps 10 --rounds 5 --libs $c/base,$c/sp --keys causal-w1024_0,causal-w4096_0,full-w256_256; stamp "ab_var $sq" $?
done
timeout 100 python3 bench/ab_var.py --seqlen 8192 --q-scale 8 --reps 10 --rounds 5 --libs $c/base,$c/sp --keys causal-w1024_0,causal-w4096_0; stamp "ab_var q8" $?
timeout 200 python3 bench/results/raw/hop9/ab.py --d 128 --cells full-512,full-1024,full-2048,full-4096,full-8192,full-16384,causal-512,causal-1024,causal-2048,causal-4096,causal-8192,causal-16384 --reps 10 --rounds 5 --libs $c/base,$c/sp; stamp "ab plain" $?
} > $L/ab.log 2>&1; cat $L/ab.log
true
