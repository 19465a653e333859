#!/bin/bash
# Session 18, call 5: ncu on one launch each of w1024_0 + softcap and w1024_0 (main's kernels:
# .carry/s18b/base, whose two window entries' PTX is main's) at 8k keys (2 sequences) and 16k
# (1 sequence), 16 heads, to find why the softcap window loses ~3% a visible pair at 16k where
# the plain one loses ~1%: --set full plus the SMs' active-cycle spread.
set -uo pipefail
out=${OUT:-/tmp/out}; c=$PWD/.carry/s18b/base; W=/tmp/pf; mkdir -p $out $W/csv; s=$(date +%s)
st() { echo "## $1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $out/card.txt
ncu --version | tail -1
export PYTHONPATH=bench
M=sm__cycles_active.avg,sm__cycles_active.max,sm__cycles_active.min,gpc__cycles_elapsed.max,lts__t_sector_hit_rate.pct,dram__bytes_read.sum,smsp__inst_executed.sum
for k in w1024_0-softcap50 w1024_0; do for sq in 8192 16384; do
  n=$k-$sq
  timeout 100 ncu --set full --metrics $M --import-source no --clock-control base -k regex:fa3 --launch-skip 2 -c 1 -f -o $W/$n \
    python3 bench/results/raw/s18/prof.py $c fwd-h100-bf16-d128-causal-$k $sq > $W/ncu-$n.txt 2>&1; st "ncu $n" $?
  tail -2 $W/ncu-$n.txt
done; done
for f in $W/*.ncu-rep; do n=$(basename $f .ncu-rep)
  ( timeout 60 ncu -i $f --page details --csv --print-details all > $W/csv/details-$n.csv 2>&1 ) &
  ( timeout 60 ncu -i $f --page raw --csv --metrics $M > $W/csv/raw-$n.csv 2>&1 ) &
done
wait
wc -c $W/csv/*
tar -czf $out/csv.tgz -C $W csv
st done 0
