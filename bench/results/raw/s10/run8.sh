#!/bin/bash
# Session 10, call 8: kSpecExp (sp4's form, + ALiBi's row term in the lazy path and the S
# recompute with ALiBi's key bias) on every d128 variant kind and on other plain entries. bash
# bench/results/raw/s10/run8.sh from the repo root of the device's checkout; .carry/s10/{base,sp}:
# bench/ab_build.sh, KEEP = ENTS = the h100 plain entries bf16 d64 / d128 / d256 and f16 d128
# (causal, full), d128 ALiBi and varlen (causal, full), the three windows; base = main f4c0ee7,
# sp = the working tree with kSpecExp on all of them.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s10; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=fwd-h timeout 250 $c/sp/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests sp" $? | tee -a $L/rc.txt
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | head -20
{
L2=$c/base,$c/sp
for qs in 1 4; do
  timeout 60 python3 bench/ab_var.py --seqlen 8192 --q-scale $qs --reps 10 --rounds 5 --libs $L2 --keys causal-alibi,full-alibi; stamp "alibi q$qs" $?
  for d in 64 256; do
    timeout 60 python3 bench/ab_var.py --d $d --seqlen 8192 --q-scale $qs --reps 10 --rounds 5 --libs $L2 --keys causal-plain,full-plain; stamp "d$d q$qs" $?
  done
  timeout 60 python3 bench/ab_var.py --dtype f16 --seqlen 8192 --q-scale $qs --reps 10 --rounds 5 --libs $L2 --keys causal-plain,full-plain; stamp "f16 q$qs" $?
done
for d in 64 256; do
  timeout 60 python3 bench/ab_var.py --d $d --seqlen 1024 --reps 10 --rounds 5 --libs $L2 --keys causal-plain,full-plain; stamp "d$d 1k" $?
done
for b in base sp; do
  timeout 90 python3 bench/variants_speed.py --lib $c/$b --parts varlen --varlen-seqlens 4096,16384 --reps 10 --rounds 3 --out $L/varlen-$b.md > /dev/null; stamp "varlen $b" $?
  grep -E "^\|" $L/varlen-$b.md | head -12
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
