# hwin3's prepared device call (session 6, issue 9 deliverable 7: window speed), not run by hwin3
# (its one call ran hwin2's run2.sh; results file's "Session 6 (hwin3)"). Builds of
# bench/results/raw/hwin3/build.sh over main af1545b, carried in .carry/hwin3/ (from the repo
# root: bash .carry/hwin3/run.sh): M = main's window entries; MQ = M + kQStages = 2 on the three
# fa3 window entries (causal-w1024_0, -softcap50, full-w256_256); MQD = MQ + kDeferEpilogue
# (hop9's pair, kept on main's plain causal d128: the next tile's first S GEMM before this tile's
# epilogue). ncu put the window's loss at a fixed ~4600 idle tensor cycles per tile that the load
# order does not move; this pair targets the consumer's tile boundary. ptxas: 168 registers, no
# spills on all three. Untimed, in parallel: tests/gpu on the window entries (full grid),
# memcheck (-w, small grid), racecheck and synccheck (causal-w1024_0*, small grid) of MQ and MQD.
# Then alone on the card: ab.py (every build in one process, interleaved with main's plain
# entry), then ncu on one launch of the plain causal entry and of M's and MQD's causal w1024_0.
# About 40 s on the card.
set -uo pipefail
out=${OUT:-/tmp/out}; L=/tmp/hwin3-logs2; mkdir -p "$out" $L; c=.carry/hwin3; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
ms="compute-sanitizer --error-exitcode 3"
for b in MQ MQD; do
  ( QIMENG_COMMAND="bash .carry/hwin3/run.sh (gpu-tests of the window entries, build $b)" QIMENG_TEST_FILTER=-w QIMENG_VERIFY_LOG=$L/verify-$b.jsonl timeout 40 $c/$b/gpu-tests > $L/gpu-tests-$b.log 2>&1; stamp "gpu-tests $b -w" $? >> $L/rc.txt ) &
  ( QIMENG_TEST_FILTER=-w QIMENG_TEST_SHAPES=small timeout 40 $ms --tool memcheck $c/$b/gpu-tests > $L/memcheck-$b.log 2>&1; stamp "memcheck $b -w (small)" $? >> $L/rc.txt ) &
  for t in racecheck synccheck; do
    ( QIMENG_TEST_FILTER=causal-w1024_0 QIMENG_TEST_SHAPES=small timeout 40 $ms --tool $t $c/$b/gpu-tests > $L/$t-$b.log 2>&1; stamp "$t $b causal-w1024_0* (small)" $? >> $L/rc.txt ) &
  done
done
wait
sort $L/rc.txt; grep -HE "FAIL|^kernels:|SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 40
export PYTHONUNBUFFERED=1
cp bench/bench.py bench/variants_speed.py $c/
timeout 40 python3 $c/ab.py --seqlen 8192 --reps 10 --rounds 5 --libs $c/M,$c/MQ,$c/MQD --keys causal-w1024_0,full-w256_256,causal-w1024_0-softcap50 > $L/ab.log 2>&1; stamp "ab" $? | tee -a $L/rc.txt; cat $L/ab.log
tar -czf "$out/hwin3-run2.tgz" -C /tmp hwin3-logs2
cp $L/ab.log $L/rc.txt "$out/"
for b in MQ MQD; do cp $L/verify-$b.jsonl "$out/" 2>/dev/null; done
p="python3 $c/prof.py --libs $c/M,$c/MQD"
timeout 25 ncu -k regex:fa3_fwd_kernel --clock-control none --section SpeedOfLight --section ComputeWorkloadAnalysis --section InstructionStats --section WarpStateStats --section SchedulerStats $p > $L/ncu.txt 2>&1; stamp "ncu sections" $? | tee -a $L/rc.txt
grep -E "launch:|Duration|Executed Instructions  |Issue Slots Busy|No Eligible|Compute \(SM\) Throughput|DRAM Throughput|L2 Cache Throughput" $L/ncu.txt | cut -c1-110 | head -40
timeout 20 ncu -k regex:fa3_fwd_kernel --clock-control none --metrics 'regex:smsp__average_warps_issue_stalled_.*_per_issue_active\.ratio$,smsp__inst_executed.sum,sm__cycles_elapsed.max,regex:sm__pipe_tensor_cycles_active\.avg\.pct_of_peak_sustained_active$' $p > $L/ncu-stalls.txt 2>&1; stamp "ncu stalls" $? | tee -a $L/rc.txt
grep -E "launch:|stalled_(barrier|gmma|long_scoreboard|wait|no_instruction)_per|cycles_elapsed|inst_executed.sum|pipe_tensor_cycles_active" $L/ncu-stalls.txt | sed -E 's/ {3,}/  /g' | awk '/launch:/ {print; next} {print $1, $NF}'
tar -czf "$out/hwin3-run2.tgz" -C /tmp hwin3-logs2
