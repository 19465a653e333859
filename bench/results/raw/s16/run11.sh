#!/bin/bash
# Session 16, call 11: a smoke run of variants_speed.py after the review's edits (x rows skipped
# where the window spans the sequence: w4096_0 at 4k; plain outputs kept referenced). Few reps:
# not a measurement.
set -uo pipefail
out=${OUT:-/tmp/out}
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
timeout 150 python3 bench/variants_speed.py --lib .carry/bench --parts variants --seqlens 4096,8192 --reps 2 --rounds 1 --no-flex --only w4096_0,w1024_0,alibi --out $out/variants.md > $out/variants.log 2>&1; echo "variants rc=$?"
tail -5 $out/variants.log; tail -8 $out/variants.md
