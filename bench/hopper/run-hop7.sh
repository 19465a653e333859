#!/usr/bin/env bash
# Device side of hop7's first call (carry [".carry/hop7"]): libqimeng_bench_ffi.so (main's
# entries), libqimeng_variants.so (bench/hopper/variants_fa3.cu: the d64 softmax with partial
# row chains and a share of exp2 on the FMA pipe), bench.py, this script. The FA3 grid in the
# harness with the variants.
cd "$(dirname "$0")"
o=${OUT:-/tmp/out}; mkdir -p "$o"
s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv > "$o/smi.txt" 2>&1
export PYTHONUNBUFFERED=1
timeout 400 python3 bench.py --lib . --grids fa3 --reps 10 --rounds 3 --variants --out "$o/bench.md" > "$o/bench.log" 2>&1
stamp bench $? | tee -a "$o/bench.log"
# compact: each cell's ours/cuDNN, then each variant's x ours
awk '/^fa3/ {printf "%s %s %s %s cuDNN\n", $2, $3, $5, $(NF-10)} /^  variant/ {printf "   %-34s %s %s rel %s\n", $2, $7, $8, $(NF-1)}' "$o/bench.log" | sed 's/ x/ /'
