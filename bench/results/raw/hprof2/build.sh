#!/bin/bash
# hprof2 (session 9, copy of raw/hprof/build.sh; driver.cu, annotate.py and blocks.py are raw/hprof's, byte for byte): builds driver (driver.cu + the full and causal-w1024_0 bf16 d128 h100 entries, nvcc
# -lineinfo, static cudart) into /work/main/.carry/hprof2. From the repo root of a worktree.
set -e
nvcc=/work/main/.qimeng/toolchain/nvidia/cu13/bin/nvcc; C=/work/main/.carry/hprof2; mkdir -p $C
f="-O3 -std=c++17 -lineinfo -gencode arch=compute_90a,code=sm_90a -I kernels-cache/include"
t=/tmp/hprof2-build; rm -rf $t; mkdir -p $t
for e in full causal-w1024_0; do
  dir=kernels-cache/fwd-h100-bf16-d128-$e
  $nvcc $f -I $dir -Xptxas -v -c $dir/kernel.cu -o $t/$e.o 2>&1 | grep -E "registers|spill" || true
done
$nvcc $f -c bench/results/raw/hprof/driver.cu -o $t/driver.o
$nvcc -gencode arch=compute_90a,code=sm_90a -cudart static -L $(dirname $nvcc)/../lib $t/*.o -o $C/driver
cp bench/results/raw/hprof2/run.sh $C/
# the sources at the path -lineinfo recorded, for ncu --import-source on the device
rm -rf $C/src; mkdir -p $C/src/kernels-cache
cp -r kernels-cache/include kernels-cache/fwd-h100-bf16-d128-full kernels-cache/fwd-h100-bf16-d128-causal-w1024_0 $C/src/kernels-cache/
# the cubins for nvdisasm -gi here (annotate.py)
# (cuobjdump from PyPI nvidia-cuda-cuobjdump, unpacked in /tmp/cuobj)
for e in full causal-w1024_0; do
  mkdir -p $t/x-$e; (cd $t/x-$e && /tmp/cuobj/nvidia/cu13/bin/cuobjdump -xelf all ../$e.o >/dev/null && mv *.cubin ../$e.cubin)
done
ls -la $C
