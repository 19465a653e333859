#!/usr/bin/env bash
# Builds the standalone CUDA checker of the kernel cache (tests/cuda/fa_check.cu) into
# .carry/cuda-check/ (git-ignored), ready to be carried to the GPU machine and run there:
#
#     scripts/cuda-check.sh                 # compile every kernels-cache/fwd-*/ entry + checker
#     .carry/cuda-check/fa_check            # on a GPU: full check (exit 1 on any FAIL)
#     .carry/cuda-check/fa_check --small    # small shapes, for compute-sanitizer
#     .carry/cuda-check/fa_check --bench    # TFLOP/s of the h100 entries
#     .carry/cuda-check/fa_check --sweep [--bench]  # also the tile variants of tests/cuda/sweep.cu
#
# Each entry is compiled exactly as the build script does: for its own GPU's arch and PTX
# (t4: sm_75 + compute_75, a100: sm_80 + compute_80, h100: sm_90a + compute_90a), so the t4
# and a100 entries run on an H100 through the driver's PTX JIT. ptxas register/spill reports
# go to .carry/cuda-check/ptxas.log; a spill over 32 bytes fails the build.
# Needs no GPU. NVCC overrides the compiler (default: the project-local toolchain).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
nvcc=${NVCC:-$root/.qimeng/toolchain/nvidia/cu13/bin/nvcc}
out=.carry/cuda-check
mkdir -p "$out/obj"
rm -f "$out"/obj/*.o "$out/ptxas.log"

arch_of() {
  case "$1" in
    t4) echo "-gencode arch=compute_75,code=sm_75 -gencode arch=compute_75,code=compute_75" ;;
    a100) echo "-gencode arch=compute_80,code=sm_80 -gencode arch=compute_80,code=compute_80" ;;
    h100) echo "-gencode arch=compute_90a,code=sm_90a -gencode arch=compute_90a,code=compute_90a" ;;
    *) echo "unknown gpu $1" >&2; return 1 ;;
  esac
}

inc="$out/entries.inc.tmp"
: > "$inc"
pids=()
for dir in kernels-cache/fwd-*/; do
  key=$(basename "$dir")
  sym=qimeng_${key//-/_}
  read -r gpu dtype hd causal < <(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["gpu"], s["dtype"], s["head_dim"], int(s["causal"]))' "$dir/spec.json")
  echo "QIMENG_ENTRY(\"$key\", $sym, \"$gpu\", \"$dtype\", $hd, $causal)" >> "$inc"
  # shellcheck disable=SC2046
  ( "$nvcc" -O3 -std=c++17 -I kernels-cache/include -I "$dir" $(arch_of "$gpu") -Xptxas -v \
      -c "$dir/kernel.cu" -o "$out/obj/$key.o" > "$out/obj/$key.log" 2>&1 \
    || { cat "$out/obj/$key.log" >&2; exit 1; } ) &
  pids+=($!)
  if (( ${#pids[@]} >= $(nproc) )); then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p"; done
mv "$inc" "$out/entries.inc"

for log in "$out"/obj/*.log; do
  key=$(basename "$log" .log)
  echo "== $key" >> "$out/ptxas.log"
  grep -E 'Compiling entry|registers|spill' "$log" >> "$out/ptxas.log"
  # A few spilled bytes (values kept across the loop: the d128 128x64 entries keep ~100 bytes of
  # row sums and loop invariants in local memory, ~11 accesses per 64-key step) cost little;
  # more means a tile too big.
  spill=$(grep -oE '[0-9]+ bytes spill stores' "$log" | awk '{s += $1} END {print s + 0}')
  if (( spill > 128 )); then
    echo "register spill in $key ($spill bytes):" >&2; grep spill "$log" >&2; exit 1
  elif (( spill > 0 )); then
    echo "note: $key spills $spill bytes" >&2
  fi
done
summary=$(awk '/^== /{k=$2} /Used [0-9]+ registers/{for(i=1;i<=NF;i++) if($i=="Used") r=$(i+1); printf "%s: %s registers\n", k, r}' "$out/ptxas.log")
echo "$summary"

"$nvcc" -O3 -std=c++17 -I kernels-cache/include -I "$out" \
  -gencode arch=compute_90a,code=sm_90a -Xcompiler -pthread -L "$(dirname "$nvcc")/../lib" \
  tests/cuda/fa_check.cu tests/cuda/sweep.cu "$out"/obj/*.o -o "$out/fa_check"
echo "built $out/fa_check ($(grep -c QIMENG_ENTRY "$out/entries.inc") entries)"
