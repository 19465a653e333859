#!/bin/bash
# Session 11: builds driver (driver.cu + the full and full-alibi bf16 d128 h100 entries, nvcc
# -lineinfo, static cudart) into .carry/s11/prof. From the repo root.
set -e
nvcc=$PWD/.qimeng/toolchain/nvidia/cu13/bin/nvcc; C=$PWD/.carry/s11/prof; mkdir -p $C
f="-O3 -std=c++17 -lineinfo -gencode arch=compute_90a,code=sm_90a -I kernels-cache/include"
t=/tmp/s11prof-build; rm -rf $t; mkdir -p $t
for e in full full-alibi; do
  dir=kernels-cache/fwd-h100-bf16-d128-$e
  $nvcc $f -I $dir -Xptxas -v -c $dir/kernel.cu -o $t/$e.o 2>&1 | grep -E "registers|spill" || true
done
$nvcc $f -c bench/results/raw/s11/prof/driver.cu -o $t/driver.o
$nvcc -gencode arch=compute_90a,code=sm_90a -cudart static -L $(dirname $nvcc)/../lib $t/*.o -o $C/driver
ls -la $C
