#!/bin/bash
# Session 11, call 2: the ALiBi prediction (kSpecExp on the ALiBi entries, its bias step as the
# offset) and kSpecTier (bf16 softcap: the last block's tier at once) against session 10's main.
# .carry/s11/{base,sp} from bench/ab_build.sh: base = c49c0d4 (KEEP: d128 bf16 plain causal/full,
# ALiBi causal/full, softcap50, w4096_0-softcap50, w1024_0-softcap50, w1024_0, w4096_0,
# w256_256); sp = the working tree with kSpecExp on the two ALiBi entries and kSpecTier on the
# three softcap ones (TESTS=1). Run from the repo root: bash bench/results/raw/s11/run2.sh
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s11; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=fwd-h timeout 200 $c/sp/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests sp" $? | tee -a $L/rc.txt
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | head -20
{
L2=$c/base,$c/sp
V=causal-alibi,full-alibi,causal-softcap50,causal-w4096_0-softcap50,causal-w1024_0-softcap50
timeout 60 python3 bench/ab_var.py --seqlen 8192 --libs $L2 --keys $V,causal-w1024_0,causal-w4096_0,full-w256_256; stamp "8k q1" $?
timeout 60 python3 bench/ab_var.py --seqlen 16384 --libs $L2 --keys $V; stamp "16k q1" $?
timeout 60 python3 bench/ab_var.py --seqlen 8192 --q-scale 4 --libs $L2 --keys $V; stamp "8k q4" $?
timeout 60 python3 bench/ab_var.py --seqlen 2048 --libs $L2 --keys $V; stamp "2k q1" $?
} > $L/ab.log 2>&1; cat $L/ab.log
san() { QIMENG_TEST_FILTER="$2" QIMENG_TEST_SHAPES=small timeout 200 compute-sanitizer --tool $1 --error-exitcode 3 $c/sp/gpu-tests > /tmp/san-$1-$2.log 2>&1
  r=$?; { stamp "== $1 $2" $r; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" /tmp/san-$1-$2.log | head -n 4; } > $L/san.$1-$2; }
( san memcheck alibi; san racecheck alibi ) & ( san memcheck softcap; san racecheck softcap ) & ( san synccheck alibi; san synccheck softcap ) &
wait; cat $L/san.* > $L/sanitizers.log; rm -f $L/san.*; cat $L/sanitizers.log
true
