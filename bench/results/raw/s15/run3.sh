#!/bin/bash
# Session 15, call 3: ncu (--set full, source counters: warp-state samples per SASS instruction)
# on one launch each of main's fwd-h100-bf16-d128-full-alibi and fwd-h100-bf16-d128-full at 8k
# keys (prof.py; ab_var.py's shape), to find where full ALiBi's ~11% over plain goes: calls 1-2
# found its preload loads and its side arithmetic worth under 1%.
set -uo pipefail
out=${OUT:-/tmp/out}; c=$PWD/.carry/s15; W=/tmp/pf; mkdir -p $out $W/csv; s=$(date +%s)
st() { echo "## $1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $out/card.txt
ncu --version | tail -1
export PYTHONPATH=bench
for k in full-alibi full; do
  timeout 120 ncu --set full --import-source no --clock-control none -k regex:fa3 --launch-skip 2 -c 1 -f -o $W/$k \
    python3 bench/results/raw/s15/prof.py $c/base fwd-h100-bf16-d128-$k > $W/ncu-$k.txt 2>&1; st "ncu $k" $?
  tail -3 $W/ncu-$k.txt
done
for k in full-alibi full; do
  ( timeout 60 ncu -i $W/$k.ncu-rep --page source --csv --print-source sass > $W/csv/sass-$k.csv 2> $W/csv/sass-$k.err; st "sass $k" $? ) &
  ( timeout 60 ncu -i $W/$k.ncu-rep --page details --csv --print-details all > $W/csv/details-$k.csv 2>&1; st "details $k" $? ) &
done
wait
wc -c $W/csv/*
tar -czf $out/csv.tgz -C $W csv
tar -czf $out/ncutxt.tgz -C $W ncu-full-alibi.txt ncu-full.txt
st done 0
