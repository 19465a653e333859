# hvar3's device call (issue 9 deliverable 7, run 4). Builds (build.sh, carried in
# .carry/hvar3/<build>): base = main (56d1398), s = the two-schedule causal ALiBi/softcap
# entries on main's fa3_fwd.cuh, n = the branch (those entries, softcap's |s| vote and narrow
# polynomial, ALiBi's lazy rescale). Untimed: tests/gpu on n's 10 entries (the softcap cases at
# q x 8 and 32 included), memcheck and racecheck of a softcap, a window and the ALiBi entries.
# Timed, alone on the card: ab.py (the 3 builds in one process, interleaved with the plain
# entry) at q x 1, 8, 32, then variants_speed.py on n.
set -uo pipefail
out=${OUT:-/tmp/out}; L=/tmp/hvar3-logs; mkdir -p "$out" $L; c=.carry/hvar3
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
( QIMENG_COMMAND="bash bench/results/raw/hvar3/run.sh (gpu-tests of the 10 fwd-h100-bf16-d128 entries, build n)" QIMENG_VERIFY_LOG=$L/verify-n.jsonl timeout 100 $c/n/gpu-tests > $L/gpu-tests-n.log 2>&1; echo "gpu-tests n rc=$?" >> $L/rc.txt ) &
ms="compute-sanitizer --error-exitcode 3"
for f in causal-softcap50 causal-w1024_0-softcap50 alibi; do
( QIMENG_TEST_FILTER=$f QIMENG_TEST_SHAPES=small timeout 100 $ms --tool memcheck $c/n/gpu-tests > $L/memcheck-$f.log 2>&1; echo "memcheck n $f rc=$?" >> $L/rc.txt ) &
done
for f in causal-softcap50 causal-w1024_0-softcap50 causal-alibi; do
( QIMENG_TEST_FILTER=$f QIMENG_TEST_SHAPES=small timeout 100 $ms --tool racecheck $c/n/gpu-tests > $L/racecheck-$f.log 2>&1; echo "racecheck n $f rc=$?" >> $L/rc.txt ) &
done
wait
sort $L/rc.txt; grep -HE "FAIL|^kernels:|SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 24
py="python3 $c/ab.py --seqlen 8192 --reps 10 --rounds 5 --libs $c/base,$c/s,$c/n"
timeout 100 $py --keys causal-softcap50,causal-w1024_0-softcap50,causal-alibi,full-alibi > $L/ab-q1.log 2>&1; echo "ab q1 rc=$?"; cat $L/ab-q1.log
for x in 8 32; do
timeout 60 $py --q-scale $x --keys causal-softcap50,causal-w1024_0-softcap50 > $L/ab-q$x.log 2>&1; echo "ab q$x rc=$?"; cat $L/ab-q$x.log
done
timeout 150 python3 $c/variants_speed.py --lib $c/n --seqlens 8192 --varlen-seqlens 4096 --reps 10 --rounds 3 --no-flex --out $L/variants-n.md > $L/variants-n.log 2>&1; echo "bench n rc=$?"
grep -E "^s8192|^\| (8192|causal|full)" $L/variants-n.md | cut -c1-200
tar -czf "$out/hvar3-run.tgz" -C /tmp hvar3-logs
