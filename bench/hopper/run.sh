#!/usr/bin/env bash
# Device side of one call (run from the repository root with carry [".carry/hopper"]):
# correctness, timing of the variants + the FA2 entries, cuDNN on the same grid, a second timing
# pass of two variants (run-to-run spread), then compute-sanitizer memcheck / racecheck /
# synccheck on one small shape per variant of the new family.
cd "$(dirname "$0")"
o=${OUT:-/tmp/out}
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv > "$o/smi.txt" 2>&1
timeout 40 ./fa3_driver check > "$o/check.txt" 2>&1; echo "check rc=$?" >> "$o/check.txt"
timeout 80 ./fa3_driver bench > "$o/bench.txt" 2>&1; echo "bench rc=$?" >> "$o/bench.txt"
timeout 40 python3 sdpa_cudnn.py > "$o/cudnn.txt" 2>&1; echo "cudnn rc=$?" >> "$o/cudnn.txt"
timeout 20 ./fa3_driver bench d128-full > "$o/bench2.txt" 2>&1; echo "bench2 rc=$?" >> "$o/bench2.txt"
for tool in memcheck racecheck synccheck; do
  timeout 25 compute-sanitizer --tool $tool --error-exitcode 9 ./fa3_driver small > "$o/$tool.txt" 2>&1
  echo "$tool rc=$?" >> "$o/$tool.txt"
done
grep -h "check:\|SUMMARY" "$o"/*.txt; grep -h "rc=" "$o"/*.txt
grep -h "| d64-full-3wg |\|| d64-causal-3wg |\|cudnn | 64 " "$o"/bench.txt "$o"/cudnn.txt | cut -c1-90
