#!/usr/bin/env bash
# Builds, here (no GPU needed), what bench/decode.py loads on the GPU machine, into
# .carry/decode/ (git-ignored; name it in the device tool's `carry`):
#   libqimeng_decode.so   every dec-* cache entry's launch symbol (h100: sm_90a SASS; a100 and
#                         t4: compute_80 / compute_75 PTX, JIT-compiled by the driver on H100)
#   obj/<key>.log         ptxas reports (registers, spills) of the native entries
# Then, on the GPU machine:
#   python3 .carry/decode/decode.py --lib .carry/decode/libqimeng_decode.so --test
#   python3 .carry/decode/decode.py --lib .carry/decode/libqimeng_decode.so --bench --out $OUT/decode.md
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
nvcc=${NVCC:-$root/.qimeng/toolchain/nvidia/cu13/bin/nvcc}
out=${OUT_DIR:-.carry/decode}
# EXTRA_NVCC_FLAGS: extra nvcc flags, e.g. -D switches of an A/B build (decode.py --alt-lib);
# ENTRIES: a glob of entry names (default every dec-* entry).
extra=${EXTRA_NVCC_FLAGS:-}
mkdir -p "$out/obj"
for dir in kernels-cache/${ENTRIES:-dec-*}/; do
  key=$(basename "$dir")
  case "$key" in
    dec-t4-*) arch="-gencode arch=compute_75,code=compute_75" ;;
    dec-a100-*) arch="-gencode arch=compute_80,code=compute_80" ;;
    *) arch="-gencode arch=compute_90a,code=sm_90a" ;;
  esac
  # shellcheck disable=SC2086
  "$nvcc" -O3 -std=c++17 -Xcompiler -fPIC -I kernels-cache/include -I "$dir" $arch $extra -Xptxas -v \
    -c "$dir/kernel.cu" -o "$out/obj/$key.o" > "$out/obj/$key.log" 2>&1 \
    || { cat "$out/obj/$key.log" >&2; exit 1; }
done
"$nvcc" -shared -o "$out/libqimeng_decode.so" "$out"/obj/*.o -cudart static -L "$(dirname "$nvcc")/../lib"
rm -f "$out"/obj/*.o
cp bench/decode.py "$out/"
du -sh "$out"
