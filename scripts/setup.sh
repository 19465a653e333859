#!/usr/bin/env bash
# Everything a fresh Linux machine needs to build qimeng: libclang (for bindgen) and the pinned
# CUDA 13.0 toolchain in .qimeng/toolchain. No GPU needed. Safe to run again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if ! ldconfig -p 2>/dev/null | grep -q 'libclang[-.0-9]*\.so'; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing libclang-dev (bindgen needs libclang)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libclang-dev >/dev/null
  else
    echo "bindgen needs libclang: install it (e.g. 'sudo apt-get install libclang-dev') and run again" >&2
    exit 1
  fi
fi
bash "$root/scripts/install-toolchain.sh"
