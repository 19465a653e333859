#!/bin/bash
# Session 16, call 3: main with kTensorSum on the short plain windows (w1024_0, w256_256; call 2's
# build ts, written by scripts/new-entry.py). After `CARGO_TARGET_DIR=/tmp/target-main bash
# scripts/gpu-carry.sh` and `bash bench/build.sh`: tests/gpu full grid on the window entries with
# the records, compute-sanitizer on the two changed ones (scripts/gpu-reverify.sh), then the
# closing variants_speed run (variants with the rows column, and varlen), 5 rounds.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } > $L/card0.txt
TEST_FILTERS="fwd-h100-bf16-d128-causal-w1024_0 fwd-h100-bf16-d128-full-w256_256" SANITIZE_JOBS=3 SANITIZE_TIMEOUT=120 \
  SANITIZE="memcheck:d128-causal-w1024_0 racecheck:d128-causal-w1024_0 synccheck:d128-causal-w1024_0 memcheck:w256_256 racecheck:w256_256 synccheck:w256_256" \
  bash .carry/bin/reverify.sh; stamp reverify $?
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
timeout 240 python3 bench/variants_speed.py --lib .carry/bench --parts variants,varlen --seqlens 8192,16384 --varlen-seqlens 4096,16384 --reps 10 --rounds 5 --no-flex --out $L/variants.md > $L/variants.log 2>&1; stamp variants $?
grep -E "^\| (8192|16384)" $L/variants.md | awk -F'|' '{print $2,$3,$4,$5,$6,$7,$8}'
ls $L
true
