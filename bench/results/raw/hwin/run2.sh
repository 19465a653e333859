# hwin's second device call (session 5, issue 9 deliverable 7: window speed). Builds of
# build.sh (copies with the plain causal/full and the 4 window bf16 d128 h100 entries; carried
# in .carry/hwin/): base = main 4931d8f; p = kHalfEdges as P V over the 64 keys a consumer
# warpgroup sees on a half edge block (S whole); ps = p + the masked softmax of such a block on
# those 64 keys only (the committed code). Untimed, in parallel: tests/gpu on the window entries
# (full grid), memcheck (small grid, every window entry) and racecheck (causal-w1024_0*,
# full-w256_256) of p and ps. Then, alone on the card: ab.py (all builds in one process,
# interleaved with the plain entry) and variants_speed.py on the window variants of ps and p
# (two processes). From the repo root: bash .carry/hwin/run2.sh
set -uo pipefail
out=${OUT:-/tmp/out}; L=/tmp/hwin-logs2; mkdir -p "$out" $L; c=.carry/hwin; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
ms="compute-sanitizer --error-exitcode 3"
for b in p ps; do
  ( QIMENG_COMMAND="bash bench/results/raw/hwin/run2.sh (gpu-tests of the window entries, build $b)" QIMENG_TEST_FILTER=-w QIMENG_VERIFY_LOG=$L/verify-$b.jsonl timeout 100 $c/$b/gpu-tests > $L/gpu-tests-$b.log 2>&1; stamp "gpu-tests $b -w" $? >> $L/rc.txt ) &
  ( QIMENG_TEST_FILTER=-w QIMENG_TEST_SHAPES=small timeout 100 $ms --tool memcheck $c/$b/gpu-tests > $L/memcheck-$b.log 2>&1; stamp "memcheck $b -w (small)" $? >> $L/rc.txt ) &
  for f in causal-w1024_0 full-w256_256; do
    ( QIMENG_TEST_FILTER=$f QIMENG_TEST_SHAPES=small timeout 100 $ms --tool racecheck $c/$b/gpu-tests > $L/racecheck-$b-$f.log 2>&1; stamp "racecheck $b $f* (small)" $? >> $L/rc.txt ) &
  done
done
wait
sort $L/rc.txt; grep -HE "FAIL|^kernels:|SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 30
export PYTHONUNBUFFERED=1
timeout 100 python3 $c/ab.py --seqlen 8192 --reps 10 --rounds 5 --libs $c/base,$c/p,$c/ps --keys w1024_0,w256_256,w1024_0-softcap50 > $L/ab.log 2>&1; stamp "ab" $? | tee -a $L/rc.txt; cat $L/ab.log
for b in ps p; do
  timeout 60 python3 $c/variants_speed.py --lib $c/$b --seqlens 8192 --parts variants --only w1024_0,w1024_0-softcap50,w256_256 --reps 10 --rounds 3 --no-flex --out $L/variants-$b.md > $L/variants-$b.log 2>&1; stamp "variants_speed $b" $? | tee -a $L/rc.txt
  grep "^| 8192" $L/variants-$b.md
done
tar -czf "$out/hwin-run2.tgz" -C /tmp hwin-logs2
cp $L/ab.log $L/rc.txt "$out/"
