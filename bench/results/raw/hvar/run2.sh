# hvar's second device call: the same checks on the branch's entries (build: ALiBi one-FFMA form,
# persistent causal windows) and on an A/B build (alt: tanh.approx.f32 softcap, the causal window
# entries of run 1, block per tile), then the variants benchmark of each (alt without
# FlexAttention: its reference is the explicit-mask SDPA). Binaries built here from copies of the
# branch whose kernels-cache held only the 8 h100 bf16 d128 entries; everything lands in one
# archive.
set -uo pipefail
out=${OUT:-/tmp/out}; L=/tmp/hvar-logs; mkdir -p "$out" $L; c=.carry/hvar
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash bench/results/raw/hvar/run2.sh (gpu-tests of the 8 fwd-h100-bf16-d128 entries)"
( QIMENG_VERIFY_LOG=$L/verify-build.jsonl timeout 110 $c/hvar-build/gpu-tests > $L/gpu-tests-build.log 2>&1; echo "gpu-tests build rc=$?" >> $L/rc.txt
  QIMENG_VERIFY_LOG=$L/verify-alt.jsonl timeout 110 $c/hvar-alt/gpu-tests > $L/gpu-tests-alt.log 2>&1; echo "gpu-tests alt rc=$?" >> $L/rc.txt ) &
( QIMENG_TEST_SHAPES=small timeout 110 compute-sanitizer --tool memcheck --error-exitcode 3 $c/hvar-build/gpu-tests > $L/memcheck-build.log 2>&1; echo "memcheck build rc=$?" >> $L/rc.txt
  QIMENG_TEST_FILTER=softcap QIMENG_TEST_SHAPES=small timeout 60 compute-sanitizer --tool memcheck --error-exitcode 3 $c/hvar-alt/gpu-tests > $L/memcheck-alt.log 2>&1; echo "memcheck alt rc=$?" >> $L/rc.txt ) &
( for f in causal-w1024_0 full-alibi causal-alibi; do QIMENG_TEST_FILTER=$f QIMENG_TEST_SHAPES=small timeout 80 compute-sanitizer --tool racecheck --error-exitcode 3 $c/hvar-build/gpu-tests > $L/racecheck-build-$f.log 2>&1; echo "racecheck build $f rc=$?" >> $L/rc.txt; done ) &
wait
cat $L/rc.txt; grep -HE "FAIL|^kernels:|SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 16
cp $c/bench.py $c/variants_speed.py $c/hvar-build/ && cp $c/bench.py $c/variants_speed.py $c/hvar-alt/
timeout 150 python3 $c/hvar-build/variants_speed.py --lib $c/hvar-build --seqlens 8192 --reps 10 --rounds 3 --out $L/variants-build.md > $L/variants-build.log 2>&1; echo "bench build rc=$?"
grep "^s8192" $L/variants-build.log
timeout 60 python3 $c/hvar-alt/variants_speed.py --lib $c/hvar-alt --seqlens 8192 --reps 10 --rounds 3 --no-flex --only softcap50,w1024_0,w1024_0-softcap50 --out $L/variants-alt.md > $L/variants-alt.log 2>&1; echo "bench alt rc=$?"
grep "^s8192" $L/variants-alt.log
tar -czf "$out/hvar-run2.tgz" -C /tmp hvar-logs
