#!/bin/bash
# Session 14, call 4: kTensorSum (l in the P V GEMM, N = head_dim + 8 over a box of ones) across
# the h100 d64 / d128 fa3 entries. ta: on every such entry but plain d128 causal and the three
# plain windows (kCrossTile / kDeferEpilogue off where set, kKStages 3 -> 2 where set); tc: plain
# d128 causal, bf16 and f16, with kQStages 2 -> 1 and kCrossTile off on its short schedule
# (the ones take the second Q buffer's room); c1: main with only those schedule changes (the
# control); base: main f891367. tests/gpu (full grid) on ta's and tc's changed entries first.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s14; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=fwd-h100 timeout 280 $c/ta/gpu-tests > $L/gpu-tests-ta.log 2>&1 &
QIMENG_TEST_FILTER=d128-causal timeout 280 $c/tc/gpu-tests > $L/gpu-tests-tc.log 2>&1 &
wait; stamp "gpu-tests" 0 | tee $L/rc.txt
grep -hE "FAIL|^kernels:|panicked|error" $L/gpu-tests-t*.log | head -20
{
A="--libs $c/base,$c/c1,$c/ta,$c/tc"
for sq in 8192 16384; do
  timeout 150 python3 bench/ab_var.py --seqlen $sq $A --keys causal-plain,full-plain,causal-softcap50,causal-w4096_0-softcap50,causal-w1024_0-softcap50,causal-alibi,full-alibi; stamp "bf16 d128 $sq" $?
  timeout 100 python3 bench/ab_var.py --seqlen $sq $A --d 64 --keys causal-plain,full-plain; stamp "bf16 d64 $sq" $?
done
timeout 100 python3 bench/ab_var.py --seqlen 8192 --q-scale 8 $A --keys causal-plain,full-plain,causal-softcap50,causal-w4096_0-softcap50; stamp "bf16 d128 8k q8" $?
for d in 128 64; do timeout 100 python3 bench/ab_var.py --seqlen 8192 --dtype f16 --d $d $A --keys causal-plain,full-plain; stamp "f16 d$d 8k" $?; done
timeout 100 python3 bench/ab_var.py --seqlen 2048 $A --keys causal-plain,full-plain,causal-softcap50; stamp "bf16 d128 2k" $?
} > $L/ab.log 2>&1; cat $L/ab.log
for b in base ta; do timeout 120 python3 bench/variants_speed.py --lib $c/$b --parts varlen --varlen-seqlens 4096,16384 --reps 10 --rounds 3 --no-flex --out $L/varlen-$b.md > $L/varlen-$b.log 2>&1; stamp "varlen $b" $?; done
grep -h "x plain\|varlen" $L/varlen-*.md | head -20
true
