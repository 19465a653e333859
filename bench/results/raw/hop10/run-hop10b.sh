#!/usr/bin/env bash
# Record (was bench/hopper/, run from .carry/hop10; the builds had split-tail.patch applied).
# Device side of hop10's second call (carry [".carry/hop10"]): where the split schedule's 18%
# loss at 512 / 1k (call 1) comes from. bins.tar.xz: main/ (main b7b6102's bench-ffi library),
# B/ (call 1's branch build: bench-ffi library, tests/gpu binary); libqimeng_variants.so
# (bench/hopper/variants_hop10.cu); abv.py (bench/results/raw/hop10/), bench.py.
#   1. abv.py: main's d64 full entry, cuDNN and the variants (control, split, split without
#      clusters, control in clusters, both with the spread policy), d64 full 512 / 1k / 4k / 16k;
#   2. racecheck on B's fwd-h100-bf16-d64-full, small shapes: the first hazards in full.
cd "$(dirname "$0")"
o=${OUT:-/tmp/out}; mkdir -p "$o"
python3 -c 'import tarfile; tarfile.open("bins.tar.xz").extractall(".")' || exit 1
s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv > "$o/smi.txt" 2>&1
export PYTHONUNBUFFERED=1
timeout 150 python3 abv.py --main main --vlib . --reps 10 --rounds 5 > "$o/abv.log" 2>&1
stamp "abv" $? | tee -a "$o/abv.log"
QIMENG_TEST_FILTER=fwd-h100-bf16-d64-full QIMENG_TEST_SHAPES=small timeout 60 compute-sanitizer --tool racecheck --print-limit 6 ./B/gpu-tests > /tmp/san.log 2>&1
stamp "racecheck" $? >> /tmp/san.log
head -c 20000 /tmp/san.log > "$o/racecheck.txt"
cat "$o/abv.log"; grep -E "SUMMARY|rc=" "$o/racecheck.txt"
