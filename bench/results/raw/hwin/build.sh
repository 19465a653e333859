#!/bin/bash
# hwin's A/B builds (session 5): bash build.sh NAME:REV ... -- REV is a commit (git archive of it)
# or "wt" (the hwin worktree as it is). Each is a copy whose kernels-cache holds only the plain
# causal/full and the 4 window bf16 d128 h100 entries, built (bench-ffi, and tests/gpu when
# TESTS=1) into /work/main/.carry/hwin/NAME. qimeng-build bakes its include directory in at
# compile time, so it is cleaned per copy (hvar2's build.sh says why).
set -e
WT=${WT:-/work/wt-hwin}; C=/work/main/.carry/hwin; T=${CARGO_TARGET_DIR:-/tmp/target-hwin}
keep="fwd-h100-bf16-d128-causal fwd-h100-bf16-d128-full fwd-h100-bf16-d128-causal-w1024_0
fwd-h100-bf16-d128-causal-w1024_0-softcap50 fwd-h100-bf16-d128-causal-w1024_0-varlen
fwd-h100-bf16-d128-full-w256_256"
for spec in "$@"; do
  IFS=: read -r name rev <<< "$spec"
  d=/tmp/hwin-$name; rm -rf "$d"; mkdir -p "$d"
  if [ "$rev" = wt ]; then
    (cd "$WT" && git ls-files -z | tar --null -T - -cf -) | tar -C "$d" -xf -
  else
    git -C "$WT" archive "$rev" | tar -C "$d" -xf -
  fi
  ln -sfn /work/main/.qimeng "$d/.qimeng"
  for e in "$d"/kernels-cache/fwd-* "$d"/kernels-cache/dec-*; do
    echo "$keep" | tr " " "\n" | grep -qx "$(basename "$e")" || rm -rf "$e"
  done
  cd "$d"
  CARGO_TARGET_DIR=$T cargo clean -q --release -p qimeng-build -p qimeng-bench-ffi -p qimeng-gpu-tests
  CARGO_TARGET_DIR=$T cargo build -q --release -p qimeng-bench-ffi
  rm -rf "${C:?}/$name"; mkdir -p "$C/$name"
  cp "$T/release/libqimeng_bench_ffi.so" "$C/$name/"
  if [ "${TESTS:-0}" = 1 ]; then
    exe=$(CARGO_TARGET_DIR=$T cargo test -q --release -p qimeng-gpu-tests --test kernels --no-run \
          --message-format=json | grep -o '"executable":"[^"]*kernels-[^"]*"' | tail -1 | cut -d'"' -f4)
    cp "$exe" "$C/$name/gpu-tests"
  fi
  echo "built $name ($rev)"
done
