# hvar3's second device call (run 4b): build f = the branch after run 4 (ALiBi back on the
# eager rescale, softcap's bound check at 2^14), g = f with a degree-5 tier for |s scale / cap|
# <= 1/2 (and tests/gpu's q x 4 case), with run 4's base, s and n. Untimed: tests/gpu on f's and
# g's 10 entries, memcheck and racecheck of a softcap, a window and the ALiBi entries (g: the
# softcap ones). Timed, alone on the card: ab.py (the 5 builds in one process, interleaved with
# the plain entry) at q x 1, 4, 8, 32, then variants_speed.py on f and on g.
set -uo pipefail
out=${OUT:-/tmp/out}; L=/tmp/hvar3-logs2; mkdir -p "$out" $L; c=.carry/hvar3
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
( QIMENG_COMMAND="bash bench/results/raw/hvar3/run2.sh (gpu-tests of the 10 fwd-h100-bf16-d128 entries, build f)" QIMENG_VERIFY_LOG=$L/verify-f.jsonl timeout 100 $c/f/gpu-tests > $L/gpu-tests-f.log 2>&1; echo "gpu-tests f rc=$?" >> $L/rc.txt ) &
( QIMENG_COMMAND="bash bench/results/raw/hvar3/run2.sh (gpu-tests of the 10 fwd-h100-bf16-d128 entries, build g)" QIMENG_VERIFY_LOG=$L/verify-g.jsonl timeout 100 $c/g/gpu-tests > $L/gpu-tests-g.log 2>&1; echo "gpu-tests g rc=$?" >> $L/rc.txt ) &
ms="compute-sanitizer --error-exitcode 3"
for f in causal-softcap50 causal-w1024_0-softcap50; do
( QIMENG_TEST_FILTER=$f QIMENG_TEST_SHAPES=small timeout 100 $ms --tool memcheck $c/g/gpu-tests > $L/memcheck-g-$f.log 2>&1; echo "memcheck g $f rc=$?" >> $L/rc.txt ) &
( QIMENG_TEST_FILTER=$f QIMENG_TEST_SHAPES=small timeout 100 $ms --tool racecheck $c/g/gpu-tests > $L/racecheck-g-$f.log 2>&1; echo "racecheck g $f rc=$?" >> $L/rc.txt ) &
done
for f in causal-softcap50 causal-w1024_0-softcap50 alibi; do
( QIMENG_TEST_FILTER=$f QIMENG_TEST_SHAPES=small timeout 100 $ms --tool memcheck $c/f/gpu-tests > $L/memcheck-$f.log 2>&1; echo "memcheck f $f rc=$?" >> $L/rc.txt ) &
done
for f in causal-softcap50 causal-w1024_0-softcap50 causal-alibi; do
( QIMENG_TEST_FILTER=$f QIMENG_TEST_SHAPES=small timeout 100 $ms --tool racecheck $c/f/gpu-tests > $L/racecheck-$f.log 2>&1; echo "racecheck f $f rc=$?" >> $L/rc.txt ) &
done
wait
sort $L/rc.txt; grep -HE "FAIL|^kernels:|SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 24
py="python3 $c/ab.py --seqlen 8192 --reps 10 --rounds 5 --libs $c/base,$c/s,$c/n,$c/f,$c/g"
timeout 100 $py --keys causal-softcap50,causal-w1024_0-softcap50,causal-alibi,full-alibi > $L/ab-q1.log 2>&1; echo "ab q1 rc=$?"; cat $L/ab-q1.log
for x in 4 8 32; do
timeout 60 $py --q-scale $x --keys causal-softcap50,causal-w1024_0-softcap50 > $L/ab-q$x.log 2>&1; echo "ab q$x rc=$?"; cat $L/ab-q$x.log
done
for b in f g; do
timeout 150 python3 $c/variants_speed.py --lib $c/$b --seqlens 8192 --varlen-seqlens 4096 --reps 10 --rounds 3 --no-flex --out $L/variants-$b.md > $L/variants-$b.log 2>&1; echo "bench $b rc=$?"
grep -E "^\| (8192|causal|full)" $L/variants-$b.md | cut -c1-160
done
tar -czf "$out/hvar3-run2.tgz" -C /tmp hvar3-logs2
