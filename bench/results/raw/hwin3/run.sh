# hwin3 ran it (session 6, one call; timeouts tightened to fit the allowance, logs renamed): hwin2's second device call (session 6, issue 9
# deliverable 7: window speed). Builds of build.sh, carried in .carry/hwin2/ (from the repo root:
# bash .carry/hwin2/run2.sh). base = main 3f828e4; R = base + kRowBoundMask on the three fa3
# window entries (what hwin2 committed); the others are R's entries over fa3_fwd.cuh +
# window-next.patch with its Cfg knobs set by sed: A = kAlignedOrder (a window tile visits key
# block b at step b mod n_blocks, so the lockstep tiles of a round load 15-17 distinct blocks per
# step instead of 116: align.py), AR = A + kRowBoundMask (A's entries lack it), AQR = AR +
# kDoubleQ, PR = kPrefetchNext alone (the producer L2-prefetches the next tile's Q and first 2 K/V
# blocks as this tile's loads start; key order), APR = A + kPrefetchNext + kRowBoundMask.
# (A, AR, AQR were built before kPrefetchNext joined the patch; their window kernels' PTX equals
# the patch's with kPrefetchNext = false.)
# Untimed, in parallel: tests/gpu on the window entries (full grid), memcheck (-w, small grid),
# racecheck and synccheck (causal-w1024_0*, small grid) of each candidate. Then, alone on the
# card: ab.py (every build in one process, interleaved with the plain entry), then ncu on one
# launch of the plain causal entry and of base's, R's, AR's and APR's causal w1024_0 (prof.py).
set -uo pipefail
out=${OUT:-/tmp/out}; L=/tmp/hwin3-logs; mkdir -p "$out" $L; c=.carry/hwin2; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
ms="compute-sanitizer --error-exitcode 3"
B="A AR AQR PR APR"
for b in $B; do
  ( QIMENG_COMMAND="bash bench/results/raw/hwin3/run.sh (gpu-tests of the window entries, build $b)" QIMENG_TEST_FILTER=-w QIMENG_VERIFY_LOG=$L/verify-$b.jsonl timeout 40 $c/$b/gpu-tests > $L/gpu-tests-$b.log 2>&1; stamp "gpu-tests $b -w" $? >> $L/rc.txt ) &
  ( QIMENG_TEST_FILTER=-w QIMENG_TEST_SHAPES=small timeout 40 $ms --tool memcheck $c/$b/gpu-tests > $L/memcheck-$b.log 2>&1; stamp "memcheck $b -w (small)" $? >> $L/rc.txt ) &
  for t in racecheck synccheck; do
    ( QIMENG_TEST_FILTER=causal-w1024_0 QIMENG_TEST_SHAPES=small timeout 40 $ms --tool $t $c/$b/gpu-tests > $L/$t-$b.log 2>&1; stamp "$t $b causal-w1024_0* (small)" $? >> $L/rc.txt ) &
  done
done
wait
sort $L/rc.txt; grep -HE "FAIL|^kernels:|SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 40
export PYTHONUNBUFFERED=1
cp bench/bench.py bench/variants_speed.py $c/
timeout 40 python3 $c/ab.py --seqlen 8192 --reps 10 --rounds 5 --libs $c/base,$c/R,$c/A,$c/AR,$c/AQR,$c/PR,$c/APR --keys causal-w1024_0,full-w256_256,causal-w1024_0-softcap50 > $L/ab.log 2>&1; stamp "ab" $? | tee -a $L/rc.txt; cat $L/ab.log
tar -czf "$out/hwin3-run.tgz" -C /tmp hwin3-logs
cp $L/ab.log $L/rc.txt "$out/"
for b in AR APR PR A AQR; do cp $L/verify-$b.jsonl "$out/" 2>/dev/null; done
p="python3 $c/prof.py --libs $c/base,$c/R,$c/AR,$c/APR"
timeout 25 ncu -k regex:fa3_fwd_kernel --clock-control none --section SpeedOfLight --section ComputeWorkloadAnalysis --section InstructionStats --section WarpStateStats --section SchedulerStats $p > $L/ncu.txt 2>&1; stamp "ncu sections" $? | tee -a $L/rc.txt
grep -E "launch:|fa3_fwd_kernel|Duration|Executed Instructions  |Issue Slots Busy|Warp Cycles Per Issued|No Eligible|Compute \(SM\) Throughput|Issued Warp Per" $L/ncu.txt | cut -c1-110 | head -60
timeout 20 ncu -k regex:fa3_fwd_kernel --clock-control none --metrics 'regex:smsp__average_warps_issue_stalled_.*_per_issue_active\.ratio$,smsp__inst_executed.sum,sm__cycles_elapsed.max,regex:sm__pipe_tensor.*cycles_active\.avg\.pct_of_peak_sustained_active$' $p > $L/ncu-stalls.txt 2>&1; stamp "ncu stalls" $? | tee -a $L/rc.txt
grep -vE "^==PROF==|^\s*-+\s*$" $L/ncu-stalls.txt | awk '$NF != 0 || /launch|fa3/' | cut -c1-120 | head -120
tar -czf "$out/hwin3-run.tgz" -C /tmp hwin3-logs
