#!/bin/bash
# hvar4's second device call, carry [".carry/hvar4"]: builds base, A, B of run.sh and D = B + the
# 4-chain max |s| (softcap), E = D + per-row bounds when the warp-wide one grows. Untimed,
# together: tests/gpu on D's and E's 10 entries (records), memcheck + racecheck (small grid) on
# D's and E's causal-softcap50 and E's causal-w1024_0-softcap50. Then, alone on the card: ab.py
# (the 5 builds in one process, interleaved with the plain entry) at q x 1 (twice, two
# processes), 4, 8 and 32; variants_speed.py on E and on D.
set -uo pipefail
o=${OUT:-/tmp/out}; L=/tmp/hvar4-logs2; mkdir -p "$o" $L; c=.carry/hvar4; t0=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - t0 ))s" | tee -a $L/rc.txt; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F) PYTHONUNBUFFERED=1
for b in D E; do
  ( QIMENG_COMMAND="bash bench/results/raw/hvar4/run2.sh (gpu-tests of the 10 fwd-h100-bf16-d128 entries, build $b)" \
    QIMENG_VERIFY_LOG=$L/verify-$b.jsonl timeout 150 $c/$b/gpu-tests > $L/gpu-tests-$b.log 2>&1; stamp "gpu-tests $b" $? ) &
done
ms="compute-sanitizer --error-exitcode 3"
for spec in D:memcheck:causal-softcap50 D:racecheck:causal-softcap50 E:memcheck:causal-softcap50 \
            E:racecheck:causal-softcap50 E:memcheck:causal-w1024_0-softcap50 E:racecheck:causal-w1024_0-softcap50; do
  IFS=: read -r b tool f <<< "$spec"
  ( QIMENG_TEST_FILTER=fwd-h100-bf16-d128-$f QIMENG_TEST_SHAPES=small timeout 150 $ms --tool $tool $c/$b/gpu-tests > $L/$tool-$b-$f.log 2>&1; stamp "$tool $b $f" $? ) &
done
wait
grep -HE "FAIL|^kernels:|SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 24
cp bench/bench.py bench/variants_speed.py $c/  # main's (unchanged on the branch)
py="python3 $c/ab.py --seqlen 8192 --reps 10 --rounds 5 --libs $c/base,$c/A,$c/B,$c/D,$c/E"
sk=causal-softcap50,causal-w1024_0-softcap50
timeout 100 $py --keys $sk,full-alibi,causal-alibi > $L/ab-q1.log 2>&1; stamp "ab q1" $?; cat $L/ab-q1.log
timeout 60 $py --keys $sk > $L/ab-q1b.log 2>&1; stamp "ab q1b" $?; cat $L/ab-q1b.log
for x in 4 8 32; do
timeout 60 $py --q-scale $x --keys $sk > $L/ab-q$x.log 2>&1; stamp "ab q$x" $?; cat $L/ab-q$x.log
done
for b in E D; do
timeout 120 python3 $c/variants_speed.py --lib $c/$b --seqlens 8192 --varlen-seqlens 4096 --reps 10 --rounds 3 --no-flex --out $L/variants-$b.md > $L/variants-$b.log 2>&1; stamp "variants $b" $?
grep -E "^\| (8192|causal|full)" $L/variants-$b.md | cut -c1-120
done
tar -czf "$o/hvar4-run2.tgz" -C /tmp hvar4-logs2; ls -la "$o"
