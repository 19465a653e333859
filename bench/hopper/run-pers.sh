#!/usr/bin/env bash
# Device side of the persistent-kernel call (session 3; run from the repository root with carry
# [".carry/hopper3"]): correctness of the persistent variants (shapes with several tiles per
# block), timing beside the current entries' variants, cuDNN d64/d128 in the same call, then
# compute-sanitizer memcheck / racecheck on two persistent variants (2-3 tiles per block).
cd "$(dirname "$0")"
o=${OUT:-/tmp/out}
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv > "$o/smi.txt" 2>&1
timeout 30 ./fa3_driver check pers > "$o/check.txt" 2>&1; echo "check rc=$?" >> "$o/check.txt"
# a failed or hung check: time the current variants only
sel="=d128-full,=d128-causal,=d64-full-3wg,=d64-causal-3wg"
grep -q "check rc=0" "$o/check.txt" && sel="$sel,pers"
timeout 62 ./fa3_driver bench "$sel" > "$o/bench.txt" 2>&1; echo "bench rc=$?" >> "$o/bench.txt"
timeout 25 python3 sdpa_cudnn.py 64 128 > "$o/cudnn.txt" 2>&1; echo "cudnn rc=$?" >> "$o/cudnn.txt"
timeout 10 compute-sanitizer --tool memcheck --error-exitcode 9 ./fa3_driver small =d128-causal-pers,=d64-causal-pers > "$o/memcheck.txt" 2>&1; echo "memcheck rc=$?" >> "$o/memcheck.txt"
timeout 15 compute-sanitizer --tool racecheck --error-exitcode 9 ./fa3_driver small =d64-causal-3wg-bn64-pers,=d128-full-pers > "$o/racecheck.txt" 2>&1; echo "racecheck rc=$?" >> "$o/racecheck.txt"
grep -h "FAIL\|check:\|SUMMARY" "$o"/*.txt | head -20; grep -h "rc=" "$o"/*.txt
python3 report-pers.py "$o" 2>&1 | tail -40
