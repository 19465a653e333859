# hvar2's third device call: the branch after its rebase onto hvarlen's fa3_fwd.cuh changes
# (build m of build.sh: the 8 h100 bf16 d128 entries as merged), tests/gpu full grid on all 8,
# memcheck on the 2 softcap entries and full-w256_256, racecheck on causal-w1024_0-softcap50.
set -uo pipefail
out=${OUT:-/tmp/out}; L=/tmp/hvar2-logs3; mkdir -p "$out" $L; c=.carry/hvar2
nvidia-smi --query-gpu=name,driver_version --format=csv | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
( QIMENG_COMMAND="bash bench/results/raw/hvar2/run3.sh (gpu-tests of the 8 fwd-h100-bf16-d128 entries, merged tree)" QIMENG_VERIFY_LOG=$L/verify-m.jsonl timeout 55 $c/m/gpu-tests > $L/gpu-tests-m.log 2>&1; echo "gpu-tests m rc=$?" >> $L/rc.txt ) &
( QIMENG_TEST_FILTER=softcap QIMENG_TEST_SHAPES=small timeout 55 compute-sanitizer --error-exitcode 3 --tool memcheck $c/m/gpu-tests > $L/memcheck-m-softcap.log 2>&1; echo "memcheck m softcap rc=$?" >> $L/rc.txt ) &
( QIMENG_TEST_FILTER=full-w256 QIMENG_TEST_SHAPES=small timeout 55 compute-sanitizer --error-exitcode 3 --tool memcheck $c/m/gpu-tests > $L/memcheck-m-w256.log 2>&1; echo "memcheck m full-w256 rc=$?" >> $L/rc.txt ) &
( QIMENG_TEST_FILTER=causal-w1024_0-softcap50 QIMENG_TEST_SHAPES=small timeout 55 compute-sanitizer --error-exitcode 3 --tool racecheck $c/m/gpu-tests > $L/racecheck-m.log 2>&1; echo "racecheck m causal-w1024_0-softcap50 rc=$?" >> $L/rc.txt ) &
wait
sort $L/rc.txt; grep -HE "FAIL|^kernels:|SUMMARY" $L/*.log | sed 's|.*/||'
tar -czf "$out/hvar2-run3.tgz" -C /tmp hvar2-logs3
