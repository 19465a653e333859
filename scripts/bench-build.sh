#!/usr/bin/env bash
# Build-time benchmark of qimeng (issue 5). Works on copies of the committed tree (git archive
# HEAD) in a scratch folder, so uncommitted edits and the user's caches play no part:
#
#     bash scripts/bench-build.sh [OUT.md]     # default: bench/results/build-<host>-<date>.md
#
# Every cargo run goes through a CUDA root whose bin/nvcc logs each call and then runs the
# pinned nvcc, so each row says how many times nvcc ran. Rows:
#   cold everything   fresh target dir, empty object cache: all Rust deps + kernels (4 kernels)
#   cold qimeng work  Rust deps already built, empty object cache: qimeng-build's build
#                     script (nvcc, bindgen), the macro crate and the user crate (1 and 4 kernels)
#   no-op rebuild     nothing changed
#   touch unrelated   an unrelated source file of the user crate edited: the build script reruns
#   pre-filled cache  user crate and its build script cleaned, object cache filled by earlier runs
# and a reproducibility check: the example built from scratch (object cache off, so nvcc runs)
# in two different folders; wrappers and kernel objects compared with cmp.
# Needs the toolchain of scripts/setup.sh. Takes about 10 minutes on 2 cores.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
host=${QIMENG_BENCH_HOST:-$(hostname -s 2>/dev/null || echo host)}
date=${QIMENG_BENCH_DATE:-$(date +%F)}
out=${1:-$root/bench/results/build-$host-$date.md}
work=$(mktemp -d /tmp/qimeng-bench.XXXXXX)
[ -n "${QIMENG_BENCH_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
real_cuda=$root/.qimeng/toolchain/nvidia/cu13
[ -x "$real_cuda/bin/nvcc" ] || { echo "no toolchain: run bash scripts/setup.sh" >&2; exit 1; }

# A CUDA root that logs nvcc calls.
mkdir -p "$work/cuda/bin"
ln -s "$real_cuda/include" "$work/cuda/include"
ln -s "$real_cuda/lib" "$work/cuda/lib64"
cat > "$work/cuda/bin/nvcc" <<EOF
#!/bin/sh
echo "\$*" >> "$work/nvcc.log"
exec "$real_cuda/bin/nvcc" "\$@"
EOF
chmod +x "$work/cuda/bin/nvcc"
touch "$work/nvcc.log"

copy() { # a clean copy of the committed tree, plus a one-kernel crate
  mkdir -p "$1"
  git -C "$root" archive HEAD | tar -x -C "$1"
  rm -f "$1/qimeng.lock"
  mkdir -p "$1/bench/one/src"
  cat > "$1/bench/one/Cargo.toml" <<'EOF'
[package]
name = "qimeng-bench-one"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
qimeng-runtime.workspace = true
qimeng-macros.workspace = true

[build-dependencies]
qimeng-build.workspace = true
EOF
  echo 'fn main() { qimeng_build::Builder::new().build(); }' > "$1/bench/one/build.rs"
  cat > "$1/bench/one/src/main.rs" <<'EOF'
use qimeng_macros::flash_attention;
use qimeng_runtime::{bf16, Result, Stream, Tensor, TensorMut};
mod unrelated;

#[flash_attention(gpu = "h100", dtype = "bf16", head_dim = 128, causal = true)]
pub fn attention(q: &Tensor<bf16>, k: &Tensor<bf16>, v: &Tensor<bf16>,
                 out: &mut TensorMut<bf16>, stream: &Stream) -> Result<()>;

fn main() { let _ = (attention, unrelated::f); }
EOF
  echo 'pub fn f() {}' > "$1/bench/one/src/unrelated.rs"
  sed -i 's|^members = \[|members = [\n    "bench/one",|' "$1/Cargo.toml"
}

export QIMENG_CUDA_HOME=$work/cuda
unset QIMENG_LOCKED QIMENG_CACHE_DIR QIMENG_LLM_BASE_URL CUDA_HOME CUDA_PATH
rows=()
# run NAME DIR PACKAGE [env...]: times `cargo build -p PACKAGE` in DIR
run() {
  local name=$1 dir=$2 pkg=$3; shift 3
  local before after t0 t1
  before=$(wc -l < "$work/nvcc.log")
  t0=$(date +%s.%N)
  (cd "$dir" && env "$@" cargo build --offline -p "$pkg" >"$work/last.log" 2>&1) || { cat "$work/last.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  after=$(wc -l < "$work/nvcc.log")
  local compiles
  compiles=$(tail -n $((after - before)) "$work/nvcc.log" | grep -c -- ' -c ' || true)
  [ "$after" = "$before" ] && compiles=0
  rows+=("| $name | \`$pkg\` | $(awk "BEGIN{printf \"%.1f\", $t1 - $t0}") s | $((after - before)) | $compiles |")
  echo "${rows[-1]}"
}

copy "$work/a"
export CARGO_TARGET_DIR=$work/target-a
oc=$work/objects
run "cold everything (4 kernels)" "$work/a" qimeng-example QIMENG_BUILD_CACHE="$oc"
run "no-op rebuild" "$work/a" qimeng-example QIMENG_BUILD_CACHE="$oc"
touch "$work/a/example/src/main.rs"
run "touch a source file (build script reruns)" "$work/a" qimeng-example QIMENG_BUILD_CACHE="$oc"
cargo clean --offline -p qimeng-example --manifest-path "$work/a/Cargo.toml" >/dev/null 2>&1
run "pre-filled object cache (4 kernels)" "$work/a" qimeng-example QIMENG_BUILD_CACHE="$oc"
cargo clean --offline -p qimeng-example --manifest-path "$work/a/Cargo.toml" >/dev/null 2>&1
run "cold qimeng work (4 kernels)" "$work/a" qimeng-example QIMENG_BUILD_CACHE="$work/objects-4"
run "cold qimeng work (1 kernel)" "$work/a" qimeng-bench-one QIMENG_BUILD_CACHE="$work/objects-1"
run "no-op rebuild (1 kernel)" "$work/a" qimeng-bench-one QIMENG_BUILD_CACHE="$work/objects-1"
echo 'pub fn f() { let _ = 1; }' > "$work/a/bench/one/src/unrelated.rs"
run "edit an unrelated file (1 kernel)" "$work/a" qimeng-bench-one QIMENG_BUILD_CACHE="$work/objects-1"
cargo clean --offline -p qimeng-bench-one --manifest-path "$work/a/Cargo.toml" >/dev/null 2>&1
run "pre-filled object cache (1 kernel)" "$work/a" qimeng-bench-one QIMENG_BUILD_CACHE="$work/objects-1"

# Reproducibility: the example from scratch in a second folder (same target dir: Rust deps
# reused, every path crate and kernel rebuilt), object cache off in both, compared to a
# rebuild of the first with the cache off.
copy "$work/b"
cargo clean --offline -p qimeng-example --manifest-path "$work/a/Cargo.toml" >/dev/null 2>&1
outdir() { # OUT_DIR of the example last built from folder $1 (path crates of both folders map
           # to the same units: cargo hashes them relative to the workspace root)
  dirname "$(grep -l "rerun-if-changed=$1/example/src" "$CARGO_TARGET_DIR"/debug/build/qimeng-example-*/output | head -n1)"
}
run "repro: folder a, object cache off" "$work/a" qimeng-example QIMENG_BUILD_CACHE=off
cp -r "$(outdir "$work/a")/out" "$work/out-a"
run "repro: folder b, object cache off" "$work/b" qimeng-example QIMENG_BUILD_CACHE=off
cp -r "$(outdir "$work/b")/out" "$work/out-b"
outs=("$work/out-a" "$work/out-b")
repro=()
for f in $(cd "${outs[0]}" && find . -type f \( -name '*.rs' -o -name '*.a' \) | sort); do
  if cmp -s "${outs[0]}/$f" "${outs[1]}/$f"; then repro+=("| \`$f\` | identical |"); else repro+=("| \`$f\` | DIFFERENT |"); fi
done
# Objects inside the libraries.
for lib in $(cd "${outs[0]}" && find . -name '*.a' | sort); do
  for d in 0 1; do mkdir -p "$work/x$d/$lib" && (cd "$work/x$d/$lib" && ar x "${outs[$d]}/$lib"); done
  for o in $(ls "$work/x0/$lib"); do
    if cmp -s "$work/x0/$lib/$o" "$work/x1/$lib/$o"; then repro+=("| \`$lib\` member \`$o\` | identical |"); else repro+=("| \`$lib\` member \`$o\` | DIFFERENT |"); fi
  done
done

mkdir -p "$(dirname "$out")"
{
  echo "# Build-time benchmark, $date"
  echo
  echo "- machine: $host, $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), no GPU"
  echo "- toolchain: $("$real_cuda/bin/nvcc" --version | tail -n2 | head -n1), $(rustc --version)"
  echo "- commit: $(git -C "$root" rev-parse --short HEAD); command: \`bash scripts/bench-build.sh\`"
  echo "- nvcc runs: every call of nvcc (cc's detection, compile, device link, --version);"
  echo "  compiles: the calls with -c. Debug profile (kernels are always built -O3)."
  echo
  echo "| build | crate | wall | nvcc runs | compiles |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "## Reproducibility (two folders, object cache off)"
  echo
  echo "| file under OUT_DIR | a vs b |"
  echo "|---|---|"
  printf '%s\n' "${repro[@]}"
} > "$out"
echo "wrote $out"
