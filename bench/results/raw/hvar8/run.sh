#!/bin/bash
# hvar8's one device call, carry [".carry/hvar6"] (hvar6's builds: base = main 3f828e4's softcap
# code, WS = hvar5's WS (kPolyWide off, kSharedFallback on)); from the repo root: bash
# .carry/hvar6/run8.sh. ncu (clocks as found) on one launch each of base and WS's causal
# softcap50, b2 s8192 h16 d128, q x 1 and q x 4: (1) counters of all four launches in one
# process (instructions, issue, stalls per issue, per-pipe instructions and utilization, tensor
# pipe); (2) SourceCounters (per-SASS instructions executed and stall samples) of base and WS at
# q x 1, one process each, and of both at q x 4 in one process; each report's source page as
# CSV, summarized per opcode by srcsum.py (MUFU.TANH / MUFU.EX2 / FFMA counts give the tiers).
set -uo pipefail
out=${OUT:-/tmp/out}; L=/tmp/hvar8-logs; mkdir -p "$out" $L; c=.carry/hvar6; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s" | tee -a $L/rc.txt; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; ncu --version | tail -1; } | tee $L/card.txt
export PYTHONUNBUFFERED=1
cp bench/bench.py $c/
n="ncu -k regex:fa3_fwd_kernel --clock-control none"
m='regex:smsp__average_warps_issue_stalled_.*_per_issue_active\.ratio$,smsp__inst_executed.sum,sm__cycles_elapsed.max,gpu__time_duration.sum,smsp__issue_active.avg.pct_of_peak_sustained_active,regex:^smsp__inst_executed_pipe_[a-z_]*\.sum$,regex:^sm__inst_executed_pipe_[a-z_]*\.avg\.pct_of_peak_sustained_active$,regex:^sm__pipe_[a-z_]*_cycles_active\.avg\.pct_of_peak_sustained_active$'
timeout 25 $n --metrics "$m" python3 $c/prof8.py --runs $c/base@1,$c/WS@1,$c/base@4,$c/WS@4 > $L/ncu-metrics.txt 2>&1; stamp "ncu metrics" $?
grep -E "launch:|duration|inst_executed.sum |issue_active|stalled_(barrier|gmma|long_scoreboard|wait|no_instruction|branch_resolving|math_pipe_throttle|mio_throttle|dispatch_stall|short_scoreboard|selected)_per|pipe_(xu|fma|fmaheavy|alu|tensor)" $L/ncu-metrics.txt | sed -E 's/ {3,}/  /g' | awk '/launch:/ {print; next} {print $1, $NF}'
cp $L/ncu-metrics.txt "$out/"
src="--section SourceCounters --section WarpStateStats --import-source no"
for r in base@1 WS@1; do
  timeout 20 $n $src -o $L/src-${r/@/-q} python3 $c/prof8.py --runs $c/$r > $L/ncu-src-${r/@/-q}.txt 2>&1; stamp "ncu src $r" $?
done
timeout 25 $n $src -o $L/src-q4 python3 $c/prof8.py --runs $c/base@4,$c/WS@4 > $L/ncu-src-q4.txt 2>&1; stamp "ncu src q4" $?
for f in src-base-q1 src-WS-q1 src-q4; do
  timeout 10 ncu -i $L/$f.ncu-rep --page source --csv --print-source sass > $L/$f.csv 2> $L/$f.err; stamp "export $f" $?
done
for i in 0 1; do
  timeout 10 ncu -i $L/src-q4.ncu-rep --launch-skip $i --launch-count 1 --page source --csv --print-source sass > $L/src-q4-$i.csv 2> $L/src-q4-$i.err; stamp "export q4 $i" $?
done
md5sum $L/*.csv; wc -c $L/*.csv
python3 $c/srcsum.py $L/src-base-q1.csv $L/src-WS-q1.csv $L/src-q4-0.csv $L/src-q4-1.csv > $L/srcsum.txt 2>&1; stamp "srcsum" $?
cp $L/srcsum.txt $L/rc.txt "$out/"
tar -czf "$out/hvar8-run.tgz" -C /tmp hvar8-logs; ls -la "$out"
grep -vE "columns:" $L/srcsum.txt | cut -c1-120 | head -120
