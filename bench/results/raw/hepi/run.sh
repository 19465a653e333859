#!/bin/bash
# hepi's one device call (session 7), from the repo root of the device's checkout:
# bash .carry/hepi/run.sh. Builds of build.sh in .carry/hepi/: base = main c88aeb2 (8 h100 bf16
# entries); E = commit 7d162cd (shared-space smem base: STS; 1/l by rcp.approx), E2 = commit
# 3ca23d7 (E + stmatrix, the plain epilogue's 1/l under the last P V GEMM), both with every entry.
# Untimed, in parallel: tests/gpu of E and E2 on every fa3 entry (full grid; 7 filters a build,
# one process each: the test binary is single-threaded on the CPU reference; E and E2 travel
# xz-compressed, the call's 64 MiB limit), memcheck,
# racecheck, synccheck of E and E2 on d128-full and d128-full-varlen (small grid). Then alone on
# the card: ab_var.py (window and softcap entries at 8k, base/E/E2, x base's plain entry) and
# ab_fa3.py (the 24 FA3-grid cells of d128 and d64, base/E/E2 beside cuDNN).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/hepi; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
# E and E2 travel xz-compressed (the call's 64 MiB limit)
for b in E E2; do for f in gpu-tests libqimeng_bench_ffi.so; do
  python3 -c "import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], 'wb'))" $c/$b/$f.xz $c/$b/$f && chmod +x $c/$b/$f
done; done
ms="compute-sanitizer --error-exitcode 3"
for b in E E2; do
  for f in fwd-h200- fwd-h100-bf16-d128 fwd-h100-bf16-d64 fwd-h100-bf16-d256 fwd-h100-f16-d64 fwd-h100-f16-d128 fwd-h100-f16-d256; do
    ( QIMENG_TEST_FILTER=$f QIMENG_COMMAND="bash bench/results/raw/hepi/run.sh (tests/gpu of build $b, filter $f)" QIMENG_VERIFY_LOG=$L/v-$b-$f.jsonl timeout 100 $c/$b/gpu-tests > $L/gpu-tests-$b-$f.log 2>&1; stamp "gpu-tests $b $f" $? >> $L/rc.txt ) &
  done
  for f in h100-bf16-d128-full h100-bf16-d128-full-varlen; do
    for t in memcheck racecheck synccheck; do
      ( QIMENG_TEST_FILTER=$f QIMENG_TEST_SHAPES=small timeout 100 $ms --tool $t $c/$b/gpu-tests > $L/$t-$b-$f.log 2>&1; stamp "$t $b $f (small)" $? >> $L/rc.txt ) &
    done
  done
done
wait
cat $L/v-E-*.jsonl > $L/verify-E.jsonl; cat $L/v-E2-*.jsonl > $L/verify.jsonl; rm -f $L/v-*.jsonl
sort $L/rc.txt; grep -HE "FAIL|^kernels:|ERROR SUMMARY|RACECHECK SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 60
export PYTHONUNBUFFERED=1
cp bench/bench.py bench/variants_speed.py bench/ab_var.py bench/results/raw/hop11/ab_fa3.py $c/
timeout 60 python3 $c/ab_var.py --seqlen 8192 --reps 10 --rounds 3 --libs $c/base,$c/E,$c/E2 --keys causal-w1024_0,full-w256_256,causal-w1024_0-softcap50,causal-softcap50 > $L/ab-var.log 2>&1; stamp "ab_var" $? | tee -a $L/rc.txt; cat $L/ab-var.log
for d in 128 64; do
  timeout 90 python3 $c/ab_fa3.py --d $d --reps 10 --rounds 3 --libs $c/base,$c/E,$c/E2 > $L/ab-d$d.log 2>&1; stamp "ab_fa3 d$d" $? | tee -a $L/rc.txt; cat $L/ab-d$d.log
done
true
