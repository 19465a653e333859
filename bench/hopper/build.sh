#!/usr/bin/env bash
# Builds, here (no GPU needed), the standalone Hopper driver and what the device call needs into
# a carry folder (default /work/main/.carry/hopper; the device tool's carry [".carry/hopper"]):
#   fa3_driver      bench/hopper/fa3_driver.cu + the FA2-class h100 entries it times beside (the
#                   cache entries are on fa3_fwd.cuh now: their FA2-class versions are rendered
#                   by scripts/new-entry.py --fa2 into the carry folder)
#   sdpa_cudnn.py   torch SDPA (cuDNN backend) on the same grid
#   run.sh          what the device call runs (run-pers.sh + report-pers.py: session 3's call)
#   ptxas.log, fa3.sass
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
nvcc=${NVCC:-/work/main/.qimeng/toolchain/nvidia/cu13/bin/nvcc}
out=${1:-/work/main/.carry/hopper}
mkdir -p "$out" "$out/obj"
arch="-gencode=arch=compute_90a,code=sm_90a"
keys=""
for k in d128-full d128-causal d64-full d64-causal d256-full d256-causal; do keys="$keys fwd-h100-bf16-$k"; done
python3 scripts/new-entry.py --fa2 --overwrite --out "$out/fa2-entries" $keys > /dev/null
for k in d128-full d128-causal d64-full d64-causal d256-full d256-causal; do
  dir=$out/fa2-entries/fwd-h100-bf16-$k
  obj="$out/obj/$k.o"
  if [ ! -f "$obj" ] || [ "$dir/kernel.cu" -nt "$obj" ] || [ kernels-cache/include/qimeng/fa2_fwd.cuh -nt "$obj" ]; then
    "$nvcc" -O3 -std=c++17 -I kernels-cache/include -I "$dir" $arch -c "$dir/kernel.cu" -o "$obj"
  fi
done
"$nvcc" -O3 -std=c++17 -I kernels-cache/include $arch -Xptxas -v -cudart static \
  -L "$(dirname "$nvcc")/../lib" bench/hopper/fa3_driver.cu "$out"/obj/*.o -o "$out/fa3_driver" \
  > "$out/ptxas.log" 2>&1 || { cat "$out/ptxas.log" >&2; exit 1; }
cp bench/hopper/sdpa_cudnn.py bench/hopper/run.sh bench/hopper/run-pers.sh bench/hopper/report-pers.py "$out/"
echo "built $out/fa3_driver"
