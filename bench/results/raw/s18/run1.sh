#!/bin/bash
# Session 18, call 1: kSpecNarrow (raw/s18/spec-narrow.patch: an unmasked later block after a
# narrow one runs the narrow tier's exp2s with its compares beside them, votes after, and
# computes S again where the vote fails) on 3bfc903, with tests/gpu's q_tiers case given keys
# in groups of 320 (x 8 every other). CARRY=.carry/s18a: base (the patch, no entry sets
# kSpecNarrow: every PTX as 3bfc903's), sn (the three bf16 softcap entries set it), nv (sn
# with the vote forced to pass: timing only, and the tests must fail on it: the q_tiers case
# reaches the recompute). tests/gpu (full grid, softcap entries) of each, then ab_var.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
: > $L/gpu-tests.log
for b in base sn nv; do
  echo "== $b" >> $L/gpu-tests.log
  QIMENG_TEST_FILTER=softcap timeout 110 .carry/s18a/$b/gpu-tests >> $L/gpu-tests.log 2>&1; stamp "gpu-tests $b" $?
done
grep -E "^==|FAIL|^kernels:|panicked|test result" $L/gpu-tests.log | tail -20
a=.carry/s18a
{
for sq in 8192 16384; do
  timeout 90 python3 bench/ab_var.py --seqlen $sq --libs $a/base,$a/sn,$a/nv --keys causal-w1024_0-softcap50,causal-w4096_0-softcap50,causal-softcap50; stamp "ab $sq" $?
done
timeout 80 python3 bench/ab_var.py --seqlen 8192 --q-scale 8 --libs $a/base,$a/sn --keys causal-w1024_0-softcap50,causal-w4096_0-softcap50,causal-softcap50; stamp "ab 8192 q x 8" $?
} > $L/ab.log 2>&1; grep -E "device|plain|base|sn |nv |rc=" $L/ab.log
true
