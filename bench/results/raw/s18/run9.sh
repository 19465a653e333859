#!/bin/bash
# Session 18, call 9 (main 24176ba: kShortLast on the two 1024-key windows; fa3_fwd.cuh changed,
# so every fa3 record is earned again): tests/gpu full grid on every h100 bf16/f16 and h200
# entry with records; memcheck, racecheck and synccheck on the w1024_0 entries (small grid: its
# 1500-key, 8600-row case has 2 m_blocks > 132 and takes the new order); the runtime's device
# tests and the example; then five samples of the 1024-key windows on rows of their length.
# Built by `CARGO_TARGET_DIR=/tmp/target-main bash scripts/gpu-carry.sh` and `bash bench/build.sh`.
set -uo pipefail
out=${OUT:-/tmp/out}; s=$(date +%s)
TEST_FILTERS="fwd-h100-bf16 fwd-h100-f16 fwd-h200" \
  SANITIZE="memcheck:-w1024_0 racecheck:-w1024_0 synccheck:-w1024_0" SANITIZE_JOBS=3 SANITIZE_TIMEOUT=150 \
  bash .carry/bin/reverify.sh
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
W=/tmp/v; mkdir -p $W
for i in 1 2 3 4 5; do
  timeout 60 python3 bench/variants_speed.py --lib .carry/bench --parts variants --seqlens 8192,16384 \
    --only w1024_0,w1024_0-softcap50 --reps 10 --rounds 5 --no-flex \
    --out $W/variants$i.md > $W/variants$i.log 2>&1; echo "variants $i rc=$? $(( $(date +%s) - s ))s"
  grep -E "^\| (8192|16384) \| causal w1024_0[-a-z0-9]* \| 1025" $W/variants$i.md
done
tar -czf $out/variants.tgz -C $W .
true
