#!/bin/bash
# Session 15, call 8: ncu (--set full, source counters) on one launch each of main 5c52b63's
# Gemma 2 window (fwd-h100-bf16-d128-causal-w4096_0-softcap50) and Mistral's (-causal-w4096_0) at 16k
# keys (prof.py), for where softcap's ~5% on the window goes (issue 9: Gemma 2 0.86 at 16k).
set -uo pipefail
out=${OUT:-/tmp/out}; c=$PWD/.carry/s15; W=/tmp/pf; mkdir -p $out $W/csv; s=$(date +%s)
st() { echo "## $1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $out/card.txt
ncu --version | tail -1
export PYTHONPATH=bench
for k in causal-w4096_0-softcap50 causal-w4096_0; do
  timeout 120 ncu --set full --import-source no --clock-control none -k regex:fa3 --launch-skip 2 -c 1 -f -o $W/$k \
    python3 bench/results/raw/s15/prof.py $c/final2 fwd-h100-bf16-d128-$k 16384 > $W/ncu-$k.txt 2>&1; st "ncu $k" $?
  tail -3 $W/ncu-$k.txt
done
for k in causal-w4096_0-softcap50 causal-w4096_0; do
  ( timeout 60 ncu -i $W/$k.ncu-rep --page source --csv --print-source sass > $W/csv/sass-$k.csv 2> $W/csv/sass-$k.err; st "sass $k" $? ) &
  ( timeout 60 ncu -i $W/$k.ncu-rep --page details --csv --print-details all > $W/csv/details-$k.csv 2>&1; st "details $k" $? ) &
done
wait
wc -c $W/csv/*
tar -czf $out/csv.tgz -C $W csv
tar -czf $out/ncutxt.tgz -C $W ncu-causal-w4096_0-softcap50.txt ncu-causal-w4096_0.txt
st done 0
