#!/bin/bash
# Session 18, call 11 (main with the 4096-key windows on kShortLast; fa3_fwd.cuh unchanged since
# call 9, so only their two records are to be earned): tests/gpu full grid on the w4096_0
# entries with records; memcheck, racecheck and synccheck on them (small grid); the runtime's
# device tests and the example; then three samples of the 4096-key windows on rows of their
# length. Built by `CARGO_TARGET_DIR=/tmp/target-main bash scripts/gpu-carry.sh` and
# `bash bench/build.sh`.
set -uo pipefail
out=${OUT:-/tmp/out}; s=$(date +%s)
TEST_FILTERS="-w4096_0" \
  SANITIZE="memcheck:-w4096_0 racecheck:-w4096_0 synccheck:-w4096_0" SANITIZE_JOBS=3 SANITIZE_TIMEOUT=150 \
  bash .carry/bin/reverify.sh
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
W=/tmp/v; mkdir -p $W
for i in 1 2 3; do
  timeout 60 python3 bench/variants_speed.py --lib .carry/bench --parts variants --seqlens 8192,16384 \
    --only w4096_0,w4096_0-softcap50 --reps 10 --rounds 5 --no-flex \
    --out $W/variants$i.md > $W/variants$i.log 2>&1; echo "variants $i rc=$? $(( $(date +%s) - s ))s"
  grep -E "^\| (8192|16384) \| causal w4096_0[-a-z0-9]* \| 4097" $W/variants$i.md
done
tar -czf $out/variants.tgz -C $W .
true
