#!/bin/bash
# the A/B part of run.sh again (its first try used hvar2's ab.py, whose keys carry no mask)
o=${OUT:-/tmp/out}; L=/tmp/hvar5-logs2; mkdir -p "$o" $L; c=.carry/hvar5; t0=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - t0 ))s" | tee -a $L/rc.txt; }
export PYTHONUNBUFFERED=1
cp bench/bench.py bench/variants_speed.py $c/
py="python3 $c/ab.py --seqlen 8192 --reps 10 --rounds 5 --libs $c/base,$c/W,$c/S,$c/WS,$c/WSP"
timeout 40 $py --keys causal-softcap50,causal-w1024_0-softcap50 > $L/ab-q1.log 2>&1; stamp "ab q1" $?; cat $L/ab-q1.log
timeout 25 $py --keys causal-softcap50 > $L/ab-q1b.log 2>&1; stamp "ab q1b" $?; cat $L/ab-q1b.log
for x in 4 8 32; do
timeout 25 $py --q-scale $x --keys causal-softcap50 > $L/ab-q$x.log 2>&1; stamp "ab q$x" $?; cat $L/ab-q$x.log
done
tar -czf "$o/hvar5-ab.tgz" -C /tmp hvar5-logs2
