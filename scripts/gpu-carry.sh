#!/usr/bin/env bash
# Builds, on this (GPU-less) machine, every binary the GPU machine runs, into .carry/ (git-
# ignored; name it in the device tool's `carry`). The GPU machine has no Rust toolchain.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
rm -rf .carry/bin && mkdir -p .carry/bin
cargo build --release -p qimeng-example -p qimeng-cli
cp "${CARGO_TARGET_DIR:-target}/release/qimeng-example" .carry/bin/
# The path of a test binary that `cargo test --no-run` built.
test_binary() { # package test-name
  cargo test --release -p "$1" --test "$2" --no-run --message-format=json 2>/dev/null \
    | python3 -c 'import json,sys
for l in sys.stdin:
    m=json.loads(l)
    if m.get("reason")=="compiler-artifact" and m.get("executable") and m["target"]["name"]==sys.argv[1]: print(m["executable"])' "$2" | tail -n1
}
cp "$(test_binary qimeng-gpu-tests kernels)" .carry/bin/gpu-tests
cp "$(test_binary qimeng-runtime device)" .carry/bin/runtime-device-tests
cp scripts/gpu-run.sh .carry/bin/
cp scripts/gpu-final.sh .carry/bin/final.sh
cp scripts/gpu-reverify.sh .carry/bin/reverify.sh
du -sh .carry/bin
