#!/usr/bin/env bash
# Builds, here (no GPU needed), what bench/bench.py loads on the GPU machine, into .carry/bench/
# (git-ignored; name it in the device tool's `carry`):
#   libqimeng_bench_ffi.so   every cache entry behind C launchers (crate bench/ffi: the entries
#                            compiled by qimeng-build, launched through qimeng-runtime)
#   libqimeng_variants.so    tile variants of the template (bench/variants.cu, nvcc directly)
#   ptxas-*.log              registers / spills / shared memory of every entry and variant
# Then, on the GPU machine:  python3 bench/bench.py --lib .carry/bench --out $OUT/bench.md
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
nvcc=${NVCC:-$root/.qimeng/toolchain/nvidia/cu13/bin/nvcc}
out=.carry/bench
mkdir -p "$out"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/tmp/target-bench}
cargo build --release -q -p qimeng-bench-ffi
cp "$CARGO_TARGET_DIR/release/libqimeng_bench_ffi.so" "$out/"
"$nvcc" -O3 -std=c++17 -shared -Xcompiler -fPIC -I kernels-cache/include \
  -gencode arch=compute_90a,code=sm_90a -Xptxas -v -cudart static -L "$(dirname "$nvcc")/../lib" \
  bench/variants.cu -o "$out/libqimeng_variants.so" > "$out/ptxas-variants.log" 2>&1 \
  || { cat "$out/ptxas-variants.log" >&2; exit 1; }
# Compile reports of the cache entries, with the flags qimeng-build uses for each GPU.
: > "$out/ptxas-entries.log"
for dir in kernels-cache/fwd-*/; do
  key=$(basename "$dir")
  # The entry's own arch (the GPU table of qimeng-spec); an entry built for another arch is a
  # compile error by design.
  case "$key" in
    fwd-t4-*|fwd-rtx8000-*) arch="-gencode=arch=compute_75,code=sm_75" ;;
    fwd-a100-*) arch="-gencode=arch=compute_80,code=sm_80" ;;
    fwd-a10-*|fwd-rtx3090-*) arch="-gencode=arch=compute_86,code=sm_86" ;;
    fwd-l4-*|fwd-rtx4090-*|fwd-l40s-*) arch="-gencode=arch=compute_89,code=sm_89" ;;
    *) arch="-gencode=arch=compute_90a,code=sm_90a" ;;
  esac
  echo "== $key" >> "$out/ptxas-entries.log"
  # shellcheck disable=SC2086
  "$nvcc" -O3 -std=c++17 -I kernels-cache/include -I "$dir" $arch -Xptxas -v -c "$dir/kernel.cu" \
    -o /dev/null 2>&1 | grep -E 'registers|spill|smem' >> "$out/ptxas-entries.log"
done
cp bench/bench.py "$out/"
du -sh "$out"
