#!/usr/bin/env bash
# Installs the pinned CUDA 13.0 toolchain (nvcc, headers, static cudart) and the CUTLASS/CuTe
# headers into .qimeng/toolchain, where qimeng-toolchain finds them. Needs python3 with pip and
# access to the Python package index; needs no GPU and no root. Safe to run again: a complete
# install of the same pins is kept.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-$root/.qimeng/toolchain}
pins=(
  nvidia-cuda-nvcc==13.0.88
  nvidia-cuda-runtime==13.0.96
  nvidia-cuda-crt==13.0.88
  nvidia-nvvm==13.0.88
  nvidia-cuda-cccl==13.0.85
  nvidia-cutlass==4.2.0.0
)
stamp="$dest/QIMENG_TOOLCHAIN"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "${pins[*]}" ] && [ -x "$dest/nvidia/cu13/bin/nvcc" ]; then
  echo "toolchain already installed in $dest"
  exit 0
fi
rm -rf "$dest.tmp"
echo "installing ${pins[*]} into $dest"
python3 -m pip install --quiet --disable-pip-version-check --no-deps --no-compile \
  --target "$dest.tmp" "${pins[@]}"
# The CUTLASS wheel also carries examples and a Python DSL that qimeng never reads.
rm -rf "$dest.tmp/cutlass_library/source/examples" "$dest.tmp/cutlass_library/source/python" \
       "$dest.tmp/cutlass_library/source/test" "$dest.tmp/cutlass_library/source/tools"
echo "${pins[*]}" > "$dest.tmp/QIMENG_TOOLCHAIN"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
"$dest/nvidia/cu13/bin/nvcc" --version | tail -n 2
