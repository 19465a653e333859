#!/bin/bash
# Session 11, call 9: ncu --set full with source counters on one launch each of full and
# full-alibi (bf16 d128, b2 s8192 h16; driver.cu), exported as details, raw and the SASS source page.
# bash bench/results/raw/s11/prof/run.sh from the repo root (.carry/s11/prof from build.sh).
set -uo pipefail
out=${OUT:-/tmp/out}; c=$PWD/.carry/s11/prof; W=/tmp/s11p; mkdir -p $out $W/csv; s=$(date +%s)
st() { echo "## $1 rc=$2 $(( $(date +%s) - s ))s"; }
date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv,noheader
timeout 20 $c/driver fg; st driver $?
for k in f g; do
  timeout 60 ncu --set full --clock-control none \
    --metrics 'regex:sm__pipe_.*cycles_active\.(avg|sum|max)(\.pct_of_peak_sustained_active)?$,sm__cycles_elapsed.max,sm__cycles_active.avg,regex:sm__inst_executed_pipe_.*\.sum$' \
    -k regex:fa3 -c 1 -f -o $W/$k $c/driver $k > $W/ncu-$k.txt 2>&1; st "ncu $k" $?
  grep -E "case|ERR" $W/ncu-$k.txt | head -5
done
for k in f g; do
  ( timeout 60 ncu -i $W/$k.ncu-rep --page source --csv --print-source sass > $W/csv/sass-$k.csv 2> $W/csv/sass-$k.err; st "sass $k" $? ) &
  ( timeout 60 ncu -i $W/$k.ncu-rep --page details --csv --print-details all > $W/csv/details-$k.csv 2>&1; st "details $k" $? ) &
  ( timeout 60 ncu -i $W/$k.ncu-rep --page raw --csv > $W/csv/raw-$k.csv 2>&1; st "raw $k" $? ) &
done
wait; st exports 0
wc -c $W/csv/* | cut -c1-100
tar -czf $out/csv.tgz -C $W csv
st done 0
