#!/bin/bash
# Session 17, call 14: main after 27957cd's comment fixes (every h100/h200 entry's PTX byte-
# identical to call 9's, verified there with compute-sanitizer on the changed ones): tests/gpu
# full grid on every h100 bf16/f16 and h200 entry with the records (scripts/gpu-reverify.sh,
# SANITIZE=none), then two more samples of the window rows (bench/build.sh's library).
set -uo pipefail
out=${OUT:-/tmp/out}; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
TEST_FILTERS="fwd-h100-bf16 fwd-h100-f16 fwd-h200" SANITIZE=none timeout 330 bash .carry/bin/reverify.sh; stamp reverify $?
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
for i in 1 2; do
  timeout 100 python3 bench/variants_speed.py --lib .carry/bench --parts variants --seqlens 8192,16384 \
    --only w1024_0,w1024_0-softcap50,w256_256,w4096_0,w4096_0-softcap50 --reps 10 --rounds 5 --no-flex \
    --out $out/variants$i.md > /tmp/variants$i.log 2>&1; stamp "variants $i" $?
  grep -E "^\| (8192|16384) \| [a-z]+ w" $out/variants$i.md | tail -10
done
ls $out
true
