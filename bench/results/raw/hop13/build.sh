#!/bin/bash
# hop13's builds (session 7; hop11's build.sh, trimmed): bash build.sh NAME ... -- each a copy of
# the hop13 worktree as committed (git ls-files) with only the h100 bf16 d128-full and d64-full
# entries, rewritten by cand.py NAME, built (bench-ffi and tests/gpu) into
# /work/main/.carry/hop13/NAME. qimeng-build bakes its include directory in, so it is cleaned
# per copy.
set -e
WT=${WT:-/work/wt-hop13}; C=/work/main/.carry/hop13; T=${CARGO_TARGET_DIR:-/tmp/target-hop13}
keep="fwd-h100-bf16-d128-full fwd-h100-bf16-d64-full"
for name in "$@"; do
  d=/tmp/hop13-$name; rm -rf "$d"; mkdir -p "$d"
  (cd "$WT" && git ls-files -z | tar --null -T - -cf -) | tar -C "$d" -xf -
  ln -sfn /work/main/.qimeng "$d/.qimeng"
  python3 "$WT/bench/results/raw/hop13/cand.py" "$d" "$name"
  for e in "$d"/kernels-cache/fwd-* "$d"/kernels-cache/dec-*; do
    echo "$keep" | tr " " "\n" | grep -qx "$(basename "$e")" || rm -rf "$e"
  done
  cd "$d"
  CARGO_TARGET_DIR=$T cargo clean -q --release -p qimeng-build -p qimeng-bench-ffi -p qimeng-gpu-tests
  exe=$(CARGO_TARGET_DIR=$T cargo test -q --release -p qimeng-gpu-tests --test kernels --no-run \
        --message-format=json | grep -o '"executable":"[^"]*kernels-[^"]*"' | tail -1 | cut -d'"' -f4)
  CARGO_TARGET_DIR=$T cargo build -q --release -p qimeng-bench-ffi
  rm -rf "${C:?}/$name"; mkdir -p "$C/$name"
  cp "$T/release/libqimeng_bench_ffi.so" "$C/$name/"
  cp "$exe" "$C/$name/gpu-tests"
  echo "built $name $(date -u +%T)"
done
