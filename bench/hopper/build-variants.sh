#!/usr/bin/env bash
# Builds bench/hopper/variants_fa3.cu into <out>/libqimeng_variants.so (what bench/bench.py
# --variants loads from --lib) and its ptxas report. Usage: build-variants.sh OUT_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
nvcc=${NVCC:-$root/.qimeng/toolchain/nvidia/cu13/bin/nvcc}
out=${1:?usage: build-variants.sh OUT_DIR}
mkdir -p "$out"
"$nvcc" -O3 -std=c++17 -shared -Xcompiler -fPIC -I kernels-cache/include \
  -gencode arch=compute_90a,code=sm_90a -Xptxas -v -cudart static -L "$(dirname "$nvcc")/../lib" \
  bench/hopper/variants_fa3.cu -o "$out/libqimeng_variants.so" > "$out/ptxas-variants-fa3.log" 2>&1 \
  || { cat "$out/ptxas-variants-fa3.log" >&2; exit 1; }
grep -E "spill|registers" "$out/ptxas-variants-fa3.log" | sort | uniq -c | head -20
