# hprof2 (session 9, issue 9; copy of raw/hprof/run.sh). From the repo root:
# bash .carry/hprof2/run.sh 2>&1 | tee $OUT/log.txt. ncu --set full with source counters (warp-state samples per SASS
# instruction) on one launch each of (a) full b32 s512, (b) full b2 s8192, (c) causal-w1024_0 b2
# s8192 (driver.cu, -lineinfo); exports the source page (sass and cuda), details, raw metrics,
# and nvdisasm -g of the cubins (address -> file:line). At most 7 files back.
set -uo pipefail
out=${OUT:-/tmp/out}; c=$PWD/.carry/hprof2; W=/tmp/hp2; mkdir -p $out $W/csv; s=$(date +%s)
st() { echo "## $1 rc=$2 $(( $(date +%s) - s ))s"; }
date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv,noheader
ncu --version | tail -1
ncu --help | grep -E "print-source|--page|warp-sampling-interval|import-source" | cut -c1-150
# the sources at the paths the build recorded (for --import-source and the cuda view)
mkdir -p /work/wt-hprof2 && cp -r $c/src/kernels-cache /work/wt-hprof2/ 2>/dev/null; ls /work/wt-hprof2
timeout 20 $c/driver abc; st driver $?
for k in a b c; do
  iv=""; [ $k = a ] && iv="--warp-sampling-interval 0"
  timeout 30 ncu --set full --import-source yes --clock-control none $iv \
    --metrics 'regex:sm__pipe_tensor.*cycles_active\.(avg|sum|max)(\.pct_of_peak_sustained_active)?$,sm__cycles_elapsed.max,sm__cycles_active.avg' \
    -k regex:fa3 -c 1 -f -o $W/$k $c/driver $k > $W/ncu-$k.txt 2>&1; st "ncu $k" $?
  grep -E "case|ERR|WARN" $W/ncu-$k.txt | head -5
  ls -la $W/$k.ncu-rep
done
for k in a b c; do
  ( timeout 25 ncu -i $W/$k.ncu-rep --page source --csv --print-source sass > $W/csv/sass-$k.csv 2> $W/csv/sass-$k.err; st "sass $k" $? ) &
  ( timeout 25 ncu -i $W/$k.ncu-rep --page source --csv --print-source cuda,sass > $W/csv/cudasass-$k.csv 2> $W/csv/cudasass-$k.err; st "cuda,sass $k" $? ) &
  ( timeout 25 ncu -i $W/$k.ncu-rep --page details --csv --print-details all > $W/csv/details-$k.csv 2>&1; st "details $k" $? ) &
  ( timeout 25 ncu -i $W/$k.ncu-rep --page raw --csv > $W/csv/raw-$k.csv 2>&1; st "raw $k" $? ) &
done
( cd $W && cuobjdump -xelf all $c/driver > /dev/null 2>&1; for f in *.cubin; do echo "=== $f"; nvdisasm -g -c "$f"; done ) > $W/disasm.txt 2>&1 &
wait; st exports 0
wc -c $W/csv/* | cut -c1-100; head -c 600 $W/csv/sass-a.csv; echo; head -c 300 $W/csv/sass-a.err
tar -czf $out/csv.tgz -C $W csv; gzip -c $W/disasm.txt > $out/disasm.txt.gz
tar -czf $out/ncutxt.tgz -C $W ncu-a.txt ncu-b.txt ncu-c.txt
for k in a b c; do sz=$(stat -c %s $W/$k.ncu-rep 2>/dev/null || echo 0); [ $sz -lt 15000000 ] && cp $W/$k.ncu-rep $out/; done
ls -la $out; st done 0
