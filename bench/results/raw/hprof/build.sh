#!/bin/bash
# hprof: builds driver (driver.cu + the full and causal-w1024_0 bf16 d128 h100 entries, nvcc
# -lineinfo, static cudart) into /work/main/.carry/hprof. From the repo root of a worktree.
set -e
nvcc=/work/main/.qimeng/toolchain/nvidia/cu13/bin/nvcc; C=/work/main/.carry/hprof; mkdir -p $C
f="-O3 -std=c++17 -lineinfo -gencode arch=compute_90a,code=sm_90a -I kernels-cache/include"
t=$(mktemp -d)
for e in full causal-w1024_0; do
  dir=kernels-cache/fwd-h100-bf16-d128-$e
  $nvcc $f -I $dir -Xptxas -v -c $dir/kernel.cu -o $t/$e.o 2>&1 | grep -E "registers|spill" || true
done
$nvcc $f -c bench/results/raw/hprof/driver.cu -o $t/driver.o
$nvcc -gencode arch=compute_90a,code=sm_90a -cudart static -L $(dirname $nvcc)/../lib $t/*.o -o $C/driver
cp bench/results/raw/hprof/run.sh bench/results/raw/hprof/summarize.py $C/ 2>/dev/null || true
ls -la $C
