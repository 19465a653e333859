#!/bin/bash
# Session 8, helper hwin5, call 2: bash .carry/hwin5/run2.sh from the repo root of the device's
# checkout. Build F of build.sh = the hwin5 branch as committed (fa3_fwd.cuh with kKStages, the
# window entries with kKStages = 3 from new-entry.py), KEEP = the 32 fa3 entries, whose
# verification records the header change dropped. tests/gpu (full grid) of all 32, h100 and h200
# keys in two processes; then alone on the card ab_var.py base,F at 8k (the committed entries
# against main's, as K3 was in call 1).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/hwin5; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
for g in h100 h200; do
  ( QIMENG_TEST_FILTER=fwd-$g- QIMENG_COMMAND="bash bench/results/raw/hwin5/run2.sh (tests/gpu of build F)" QIMENG_VERIFY_LOG=$out/verify-$g.jsonl timeout 400 $c/F/gpu-tests > $L/gpu-tests-$g.log 2>&1; stamp "gpu-tests F fwd-$g-" $? >> $L/rc.txt ) &
done
wait
sort $L/rc.txt; grep -HE "FAIL|^kernels:" $L/*.log | sed 's|.*/||' | tail -n 30
(cd $out && tar czf verify.tgz verify-*.jsonl)
export PYTHONUNBUFFERED=1
cp bench/bench.py bench/variants_speed.py $c/
{
  timeout 60 python3 $c/ab_var.py --seqlen 8192 --reps 10 --rounds 5 --libs $c/base,$c/F --keys causal-w1024_0,full-w256_256,causal-w1024_0-softcap50; stamp "ab_var 8192" $?
} > $L/ab.log 2>&1; cat $L/ab.log
true
