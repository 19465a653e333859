#!/bin/bash
# hvar4's device call (issue 9 deliverable 7, session 5), carry [".carry/hvar4"]. Builds of
# build.sh in .carry/hvar4/<build>: base = main 4931d8f; A = ALiBi's key part preloaded into S's
# accumulator + softcap/ALiBi Q descriptors in uniform registers; B = A + softcap's one-REDUX
# range vote and bound. Untimed, together: tests/gpu on B's 10 entries (records) and on A's
# softcap entries, memcheck + racecheck (small grid) on B's causal-softcap50, causal-alibi,
# full-alibi and A's causal-softcap50. Then, alone on the card: ncu --set full of one launch
# each (prof.py: plain causal, plain full, base/B causal-softcap50 and full-alibi); ab.py (the 3
# builds in one process, interleaved with the plain entry) at q x 1 and 8; variants_speed.py on B.
# .carry/hvar4 held build.sh's builds, this script, prof.py and ab.py (raw/hvar3/ab.py).
set -uo pipefail
o=${OUT:-/tmp/out}; L=/tmp/hvar4-logs; mkdir -p "$o" $L; c=.carry/hvar4; t0=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - t0 ))s" | tee -a $L/rc.txt; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F) PYTHONUNBUFFERED=1
export QIMENG_COMMAND="bash bench/results/raw/hvar4/run.sh (gpu-tests of the 10 fwd-h100-bf16-d128 entries, build B)"
( QIMENG_VERIFY_LOG=$L/verify-B.jsonl timeout 150 $c/B/gpu-tests > $L/gpu-tests-B.log 2>&1; stamp "gpu-tests B" $? ) &
( QIMENG_TEST_FILTER=softcap timeout 150 $c/A/gpu-tests > $L/gpu-tests-A.log 2>&1; stamp "gpu-tests A softcap" $? ) &
ms="compute-sanitizer --error-exitcode 3"
for spec in B:memcheck:causal-softcap50 B:racecheck:causal-softcap50 B:memcheck:causal-alibi \
            B:racecheck:full-alibi B:memcheck:full-alibi A:memcheck:causal-softcap50 A:racecheck:causal-softcap50; do
  IFS=: read -r b tool f <<< "$spec"
  ( QIMENG_TEST_FILTER=fwd-h100-bf16-d128-$f QIMENG_TEST_SHAPES=small timeout 150 $ms --tool $tool $c/$b/gpu-tests > $L/$tool-$b-$f.log 2>&1; stamp "$tool $b $f" $? ) &
done
wait
grep -HE "FAIL|^kernels:|SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 24
cp bench/bench.py bench/variants_speed.py $c/  # main's (unchanged on the branch)
timeout 120 ncu --set full --profile-from-start off -o /tmp/prof python3 $c/prof.py $c/base $c/B > $L/ncu.log 2>&1; stamp ncu $?
ncu --import /tmp/prof.ncu-rep --page details --print-units base > $L/ncu-details.txt 2>&1
ncu --import /tmp/prof.ncu-rep --page raw --csv > $L/ncu-raw.csv 2>&1
py="python3 $c/ab.py --seqlen 8192 --reps 10 --rounds 5 --libs $c/base,$c/A,$c/B"
timeout 100 $py --keys causal-softcap50,full-alibi,causal-alibi,causal-w1024_0-softcap50 > $L/ab-q1.log 2>&1; stamp "ab q1" $?; cat $L/ab-q1.log
timeout 60 $py --q-scale 8 --keys causal-softcap50,causal-w1024_0-softcap50 > $L/ab-q8.log 2>&1; stamp "ab q8" $?; cat $L/ab-q8.log
timeout 120 python3 $c/variants_speed.py --lib $c/B --seqlens 8192 --varlen-seqlens 4096 --reps 10 --rounds 3 --no-flex --out $L/variants-B.md > $L/variants-B.log 2>&1; stamp "variants B" $?
grep -E "^\| (8192|causal|full|varlen|4 x)" $L/variants-B.md | cut -c1-150
tar -czf "$o/hvar4-run.tgz" -C /tmp hvar4-logs; gzip -c /tmp/prof.ncu-rep > "$o/prof.ncu-rep.gz"; ls -la "$o"
