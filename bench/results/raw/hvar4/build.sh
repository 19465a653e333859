#!/bin/bash
# hvar4's A/B builds: bash build.sh NAME:REV[:tests] ... Each is a copy of the hvar4 worktree's
# files whose fa3_fwd.cuh is taken from git revision REV (the entries stay the worktree's),
# with only the 10 h100 bf16 d128 entries below in kernels-cache, built into
# .carry/hvar4/NAME: bench-ffi (release) and, with `:tests`, tests/gpu. qimeng-build bakes its
# include directory (CARGO_MANIFEST_DIR) in at compile time, so with one CARGO_TARGET_DIR for
# several copies it is cleaned per copy (hvar2's build.sh says why).
set -e
WT=${WT:-/work/wt-hvar4}; C=/work/main/.carry/hvar4; T=${CARGO_TARGET_DIR:-/tmp/target-hvar4}
keep="fwd-h100-bf16-d128-causal fwd-h100-bf16-d128-full fwd-h100-bf16-d128-causal-alibi
fwd-h100-bf16-d128-full-alibi fwd-h100-bf16-d128-causal-softcap50 fwd-h100-bf16-d128-causal-w1024_0
fwd-h100-bf16-d128-causal-w1024_0-softcap50 fwd-h100-bf16-d128-full-w256_256
fwd-h100-bf16-d128-causal-varlen fwd-h100-bf16-d128-full-varlen"
for spec in "$@"; do
  IFS=: read -r name rev tests <<< "$spec"
  d=/tmp/hvar4-$name; rm -rf "$d"; mkdir -p "$d"
  (cd "$WT" && git ls-files -z | tar --null -T - -cf -) | tar -C "$d" -xf -
  git -C "$WT" show "$rev:kernels-cache/include/qimeng/fa3_fwd.cuh" \
    > "$d/kernels-cache/include/qimeng/fa3_fwd.cuh"
  ln -sfn /work/main/.qimeng "$d/.qimeng"
  for e in "$d"/kernels-cache/fwd-* "$d"/kernels-cache/dec-*; do
    echo "$keep" | tr " " "\n" | grep -qx "$(basename "$e")" || rm -rf "$e"
  done
  cd "$d"
  CARGO_TARGET_DIR=$T cargo clean -q --release -p qimeng-build -p qimeng-bench-ffi -p qimeng-gpu-tests
  CARGO_TARGET_DIR=$T cargo build -q --release -p qimeng-bench-ffi
  rm -rf "${C:?}/$name"; mkdir -p "$C/$name"
  cp "$T/release/libqimeng_bench_ffi.so" "$C/$name/"
  if [ "$tests" = tests ]; then
    exe=$(CARGO_TARGET_DIR=$T cargo test -q --release -p qimeng-gpu-tests --test kernels --no-run \
          --message-format=json | grep -o '"executable":"[^"]*kernels-[^"]*"' | tail -1 | cut -d'"' -f4)
    cp "$exe" "$C/$name/gpu-tests"
  fi
  echo "built $name (header: $rev${tests:+, with tests/gpu})"
done
