#!/bin/bash
# Session 16, call 12: the x rows table again with the reviewed variants_speed.py (plain outputs
# kept referenced; call 11's smoke run, 2 reps, read x rows 0.84 / 0.89 for w1024_0 / w4096_0
# at 8k against call 3's 0.94 / 0.94): the windows, 10 reps x 5 rounds, 8k and 16k, twice.
set -uo pipefail
out=${OUT:-/tmp/out}
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
for i in 1 2; do
  timeout 100 python3 bench/variants_speed.py --lib .carry/bench --parts variants --seqlens 8192,16384 --reps 10 --rounds 5 --no-flex --only w1024_0,w1024_0-softcap50,w256_256,w4096_0,w4096_0-softcap50 --out $out/variants$i.md > $out/variants$i.log 2>&1; echo "variants $i rc=$?"
  grep -E "^\| (8192|16384) \| (causal|full) w" $out/variants$i.md | tail -10
done
