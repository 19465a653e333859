# hwin's device call (session 5, issue 9 deliverable 7: window speed). Builds of build.sh (copies
# with the plain causal/full and the 4 window bf16 d128 h100 entries; carried in .carry/hwin/):
# base = main 4931d8f, h = kHalfEdges (64-key S and P V GEMMs on a warpgroup's half edge block),
# hs = h + the masked softmax of such a block on its 64 computed keys only. Untimed, in
# parallel: tests/gpu on the window entries (full grid) and memcheck (small grid, every window
# entry) + racecheck (causal-w1024_0) of h and hs. Then, alone on the card: ab.py (all builds in
# one process, interleaved with the plain entry) and variants_speed.py on the window variants
# of h and hs (two processes). Run from the repo root: bash .carry/hwin/run.sh
set -uo pipefail
out=${OUT:-/tmp/out}; L=/tmp/hwin-logs; mkdir -p "$out" $L; c=.carry/hwin; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
ms="compute-sanitizer --error-exitcode 3"
for b in h hs; do
  ( QIMENG_COMMAND="bash bench/results/raw/hwin/run.sh (gpu-tests of the window entries, build $b)" QIMENG_TEST_FILTER=-w QIMENG_VERIFY_LOG=$L/verify-$b.jsonl timeout 100 $c/$b/gpu-tests > $L/gpu-tests-$b.log 2>&1; stamp "gpu-tests $b -w" $? >> $L/rc.txt ) &
  ( QIMENG_TEST_FILTER=-w QIMENG_TEST_SHAPES=small timeout 100 $ms --tool memcheck $c/$b/gpu-tests > $L/memcheck-$b.log 2>&1; stamp "memcheck $b -w (small)" $? >> $L/rc.txt ) &
  ( QIMENG_TEST_FILTER=causal-w1024_0 QIMENG_TEST_SHAPES=small timeout 100 $ms --tool racecheck $c/$b/gpu-tests > $L/racecheck-$b.log 2>&1; stamp "racecheck $b causal-w1024_0* (small)" $? >> $L/rc.txt ) &
done
wait
sort $L/rc.txt; grep -HE "FAIL|^kernels:|SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 30
export PYTHONUNBUFFERED=1
timeout 100 python3 $c/ab.py --seqlen 8192 --reps 10 --rounds 5 --libs $c/base,$c/h,$c/hs --keys w1024_0,w256_256,w1024_0-softcap50 > $L/ab.log 2>&1; stamp "ab" $? | tee -a $L/rc.txt; cat $L/ab.log
for b in hs h; do
  timeout 60 python3 $c/variants_speed.py --lib $c/$b --seqlens 8192 --parts variants --only w1024_0,w1024_0-softcap50,w256_256 --reps 10 --rounds 3 --no-flex --out $L/variants-$b.md > $L/variants-$b.log 2>&1; stamp "variants_speed $b" $? | tee -a $L/rc.txt
  grep "^s8192\||" $L/variants-$b.md | head -n 8
done
tar -czf "$out/hwin-run.tgz" -C /tmp hwin-logs
cp $L/ab.log $L/rc.txt "$out/"
