#!/bin/bash
# Session 19, call 2: cycles at base clocks (ncu --clock-control base) of the rows kernel and the
# two 1024-key windows at 8k and 16k, against the same launches at the default clocks
# (--clock-control none, where the harness's 700 W cap may bite), to see whether x rows in
# cycles differs from x rows in time.
set -uo pipefail
out=${OUT:-/tmp/out}; W=/tmp/p; mkdir -p $W
M=gpu__time_duration.sum,sm__cycles_elapsed.max,sm__cycles_elapsed.avg.per_second,smsp__inst_executed.sum
for cc in base none; do
for sq in 8192 16384; do
  for k in "fwd-h100-bf16-d128-full 1025" fwd-h100-bf16-d128-causal-w1024_0 fwd-h100-bf16-d128-causal-w1024_0-softcap50; do
    set -- $k
    timeout 60 ncu --metrics $M --clock-control $cc -k regex:fa3 --launch-skip 2 -c 1 --csv \
      python3 bench/results/raw/s19/prof_rows.py .carry/bench $1 $sq ${2:-} > $W/$cc-$sq-$1.csv 2>&1
    echo "== $cc $sq $1 ${2:-}"; grep -E '"(gpu__time|sm__cycles|smsp__inst)' $W/$cc-$sq-$1.csv | awk -F'","' '{print $(NF-2), $(NF-1), $NF}'
  done
done
done
tar -czf $out/prof.tgz -C $W .
