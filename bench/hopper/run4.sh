#!/usr/bin/env bash
# Device side of session 4's one call (carry [".carry/hopper4"]): driver check of the persistent
# variants (new causal order; bf16 + f16), timing beside the entries' variants, cuDNN, tests/gpu on
# the d128 causal entries switched to persistent, compute-sanitizer memcheck / racecheck.
cd "$(dirname "$0")"
o=${OUT:-/tmp/out}
s=$(date +%s)
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv > "$o/smi.txt" 2>&1
timeout 25 ./fa3_driver check pers > "$o/check.txt" 2>&1; echo "check rc=$? $(( $(date +%s) - s ))s" >> "$o/check.txt"
timeout 50 ./fa3_driver bench "=d128-causal,=d64-causal-3wg,=d64-full-3wg,=d64-full-pers,=d128-causal-pers,=d64-causal-pers,=d64-causal-3wg-bn64-pers,=f16-d128-causal-pers,=f16-d64-causal-pers" > "$o/bench.txt" 2>&1; echo "bench rc=$? $(( $(date +%s) - s ))s" >> "$o/bench.txt"
timeout 22 python3 sdpa_cudnn.py 64 128 > "$o/cudnn.txt" 2>&1; echo "cudnn rc=$? $(( $(date +%s) - s ))s" >> "$o/cudnn.txt"
export QIMENG_DATE=$(date -u +%F) QIMENG_COMMAND="bash .carry/hopper4/run4.sh (tests/gpu part)"
for k in fwd-h100-bf16-d128-causal fwd-h100-f16-d128-causal fwd-h200-bf16-d128-causal fwd-h200-f16-d128-causal; do
  QIMENG_TEST_FILTER=$k QIMENG_VERIFY_LOG="$o/verify-$k.jsonl" timeout 12 ./gpu-tests > "$o/gpu-$k.log" 2>&1; echo "gpu $k rc=$? $(( $(date +%s) - s ))s" >> "$o/gpu-$k.log"
done
timeout 12 compute-sanitizer --tool memcheck --error-exitcode 9 ./fa3_driver small =d128-causal-pers,=d64-causal-pers,=f16-d64-causal-pers > "$o/memcheck.txt" 2>&1; echo "memcheck rc=$? $(( $(date +%s) - s ))s" >> "$o/memcheck.txt"
timeout 14 compute-sanitizer --tool racecheck --error-exitcode 9 ./fa3_driver small =d128-causal-pers,=d64-causal-pers > "$o/racecheck.txt" 2>&1; echo "racecheck rc=$? $(( $(date +%s) - s ))s" >> "$o/racecheck.txt"
grep -h "FAIL\|check:\|SUMMARY\|^kernels:" "$o"/*.txt "$o"/*.log | head -30; grep -h "rc=" "$o"/*.txt "$o"/*.log
python3 report-pers.py "$o" 2>&1 | tail -40
