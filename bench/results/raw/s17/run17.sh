#!/bin/bash
# Session 17, call 17: main after the review mends (fa3_fwd.cuh's warp_narrow / narrow_q: every
# h100/h200 entry's PTX byte-identical to calls 9 and 14; bench.py's rel_l2 / first_line).
# tests/gpu full grid on every h100 bf16/f16 and h200 entry with the records, compute-sanitizer
# memcheck, racecheck and synccheck on every kernel this session changed (the windows and the
# softcap entries; small grid), the runtime device tests and the example (scripts/gpu-reverify.sh),
# then one variants_speed.py run of the windows at 8k (exercises the mended helpers).
set -uo pipefail
out=${OUT:-/tmp/out}; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
TEST_FILTERS="fwd-h100-bf16 fwd-h100-f16 fwd-h200" SANITIZE_JOBS=3 SANITIZE_TIMEOUT=150 \
  SANITIZE="memcheck:-w racecheck:-w synccheck:-w memcheck:softcap racecheck:softcap synccheck:softcap" \
  timeout 420 bash .carry/bin/reverify.sh; stamp reverify $?
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
timeout 100 python3 bench/variants_speed.py --lib .carry/bench --parts variants --seqlens 8192 \
  --only w1024_0,w1024_0-softcap50,w4096_0-softcap50 --reps 10 --rounds 5 --no-flex \
  --out $out/variants.md > /tmp/variants.log 2>&1; stamp variants $?
tail -3 /tmp/variants.log; grep -E "^\| 8192 \| [a-z]+ w" $out/variants.md | tail -3
ls $out
true
