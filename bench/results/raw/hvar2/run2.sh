# hvar2's second device call (run 3b): the committed softcap code (= build p0 of run.sh, same
# PTX) against run 2's (hvar) at larger scores (q x 1, 8, 32: |s scale / cap| up to about 0.1,
# 0.7 and past 1, where the polynomial tanh gives way to MUFU), one process per scale; racecheck
# of p0's softcap entry.
set -uo pipefail
out=${OUT:-/tmp/out}; L=/tmp/hvar2-logs2; mkdir -p "$out" $L; c=.carry/hvar2
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee $L/card.txt
( QIMENG_TEST_FILTER=causal-softcap50 QIMENG_TEST_SHAPES=small timeout 60 compute-sanitizer --error-exitcode 3 --tool racecheck $c/p0/gpu-tests > $L/racecheck-p0-causal-softcap50.log 2>&1; echo "racecheck p0 causal-softcap50 rc=$?" >> $L/rc.txt ) &
wait
cat $L/rc.txt; grep -HE "^kernels:|SUMMARY" $L/*.log | sed 's|.*/||'
for x in 1 8 32; do
timeout 40 python3 $c/ab.py --seqlen 8192 --reps 10 --rounds 5 --q-scale $x --libs $c/hvar,$c/p0 --keys softcap50,w1024_0-softcap50 > $L/ab-q$x.log 2>&1; echo "ab q x$x rc=$?"; cat $L/ab-q$x.log
done
tar -czf "$out/hvar2-run2.tgz" -C /tmp hvar2-logs2
