# hvar2's device call (issue 9 deliverable 7, run 3). Builds of the 8 h100 bf16 d128 entries
# that differ only in fa3_fwd.cuh's softcap knobs (built here from copies of the hvar2 branch
# whose kernels-cache held only those 8 entries; bench/ffi + tests/gpu, release; carried in
# .carry/hvar2/<build>): p4 (the branch: polynomial tanh, exp2 of one chunk in 4 on the FMA
# pipe), p2 (one in 2), p0 (none), t4 / t0 (MUFU tanh, one exp2 chunk in 4 / none); hvar = run
# 2's committed library (bench-ffi only). Untimed: tests/gpu (p4: all 8 entries; the others:
# the 2 softcap entries), memcheck and racecheck. Timed, alone on the card: ab.py (every build
# in one process, interleaved with the plain entry), then variants_speed.py on p4 (no
# FlexAttention: its numbers are run 2's).
set -uo pipefail
out=${OUT:-/tmp/out}; L=/tmp/hvar2-logs; mkdir -p "$out" $L; c=.carry/hvar2
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
cmd="bash bench/results/raw/hvar2/run.sh (gpu-tests of the fwd-h100-bf16-d128 entries"
t=60
( QIMENG_COMMAND="$cmd, build p4)" QIMENG_VERIFY_LOG=$L/verify-p4.jsonl timeout $t $c/p4/gpu-tests > $L/gpu-tests-p4.log 2>&1; echo "gpu-tests p4 rc=$?" >> $L/rc.txt ) &
for p in p2 p0 t4 t0; do
( QIMENG_COMMAND="$cmd, build $p)" QIMENG_TEST_FILTER=softcap QIMENG_VERIFY_LOG=$L/verify-$p.jsonl timeout $t $c/$p/gpu-tests > $L/gpu-tests-$p.log 2>&1; echo "gpu-tests $p rc=$?" >> $L/rc.txt ) &
done
ms="compute-sanitizer --error-exitcode 3"
( QIMENG_TEST_FILTER=d128-causal QIMENG_TEST_SHAPES=small timeout $t $ms --tool memcheck $c/p4/gpu-tests > $L/memcheck-p4-causal.log 2>&1; echo "memcheck p4 d128-causal* rc=$?" >> $L/rc.txt ) &
( QIMENG_TEST_FILTER=full-w256 QIMENG_TEST_SHAPES=small timeout $t $ms --tool memcheck $c/p4/gpu-tests > $L/memcheck-p4-w256.log 2>&1; echo "memcheck p4 full-w256 rc=$?" >> $L/rc.txt ) &
for p in p2 p0; do
( QIMENG_TEST_FILTER=softcap QIMENG_TEST_SHAPES=small timeout $t $ms --tool memcheck $c/$p/gpu-tests > $L/memcheck-$p.log 2>&1; echo "memcheck $p softcap rc=$?" >> $L/rc.txt ) &
done
for f in causal-softcap50 full-w256_256; do
( QIMENG_TEST_FILTER=$f QIMENG_TEST_SHAPES=small timeout $t $ms --tool racecheck $c/p4/gpu-tests > $L/racecheck-p4-$f.log 2>&1; echo "racecheck p4 $f rc=$?" >> $L/rc.txt ) &
done
wait
sort $L/rc.txt; grep -HE "FAIL|^kernels:|SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 24
py="python3 $c/ab.py --seqlen 8192 --reps 10 --rounds 5"
timeout 60 $py --libs $c/hvar,$c/p4,$c/p2,$c/p0,$c/t4,$c/t0 --keys softcap50,w1024_0-softcap50 > $L/ab-softcap.log 2>&1; echo "ab softcap rc=$?"; cat $L/ab-softcap.log
timeout 40 $py --libs $c/hvar,$c/p4 --keys w1024_0,w256_256 > $L/ab-window.log 2>&1; echo "ab window rc=$?"; cat $L/ab-window.log
timeout 60 python3 $c/variants_speed.py --lib $c/p4 --seqlens 8192 --reps 10 --rounds 3 --no-flex --only softcap50,w1024_0,w1024_0-softcap50,w256_256 --out $L/variants-p4.md > $L/variants-p4.log 2>&1; echo "bench p4 rc=$?"
grep "^s8192" $L/variants-p4.log
tar -czf "$out/hvar2-run.tgz" -C /tmp hvar2-logs
