#!/bin/bash
# Session 17, call 2 (main 630af32 + variants_speed.py's rows check): compute-sanitizer memcheck,
# racecheck and synccheck on the a100 bf16 d128 entries (PTX JIT on the H100; session 16 re-sealed
# them after a kernel.tl comment fix, kernel.cu byte-identical, and ran no sanitizer), then the
# windows' x rows table again, now with the rows kernel's output checked against cuDNN's.
set -uo pipefail
out=${OUT:-/tmp/out}; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $out/card.txt
mkdir -p /tmp/rv; OUT=/tmp/rv TEST_FILTERS=none SANITIZE_JOBS=3 SANITIZE_TIMEOUT=150 \
  SANITIZE="memcheck:fwd-a100-bf16-d128 racecheck:fwd-a100-bf16-d128 synccheck:fwd-a100-bf16-d128" \
  timeout 200 bash .carry/bin/reverify.sh > /tmp/rv/reverify.log 2>&1; stamp "reverify" $?
cp /tmp/rv/sanitizers.log $out/ 2>/dev/null; tail -5 /tmp/rv/reverify.log; cat $out/sanitizers.log
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
timeout 300 python3 bench/variants_speed.py --lib .carry/bench --parts variants --seqlens 8192,16384 \
  --only w1024_0,w1024_0-softcap50,w256_256,w4096_0,w4096_0-softcap50 --reps 10 --rounds 5 --no-flex \
  --out $out/variants.md > $out/variants.log 2>&1; stamp "variants" $?
tail -12 $out/variants.md
true
