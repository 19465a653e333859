#!/bin/bash
# hvar10's A/B builds (hvar9's build.sh, hvar10's paths): bash build.sh NAME:HEADER[:tests] ...
# (HEADER: a fa3_fwd.cuh file, or `main` for main's header). Each is a copy of the hvar10 worktree's tracked files with that
# header and only the two causal softcap entries in kernels-cache (main: also the plain causal
# entry, ab.py's denominator), built into .carry/hvar10/NAME: bench-ffi (release) and, with
# `:tests`, tests/gpu. qimeng-build bakes its include directory in at compile time, so the one
# CARGO_TARGET_DIR is cleaned per copy (raw/hvar2/build.sh says why).
set -e
WT=${WT:-/work/wt-hvar10}; C=/work/main/.carry/hvar10; T=${CARGO_TARGET_DIR:-/tmp/target-hvar10}
for spec in "$@"; do
  IFS=: read -r name hdr tests <<< "$spec"
  keep="fwd-h100-bf16-d128-causal-softcap50 fwd-h100-bf16-d128-causal-w1024_0-softcap50"
  d=/tmp/hvar10-$name; rm -rf "$d"; mkdir -p "$d"
  (cd "$WT" && git ls-files -z | tar --null -T - -cf -) | tar -C "$d" -xf -
  h=$d/kernels-cache/include/qimeng/fa3_fwd.cuh
  if [ "$hdr" = main ]; then
    git -C /work/main show main:kernels-cache/include/qimeng/fa3_fwd.cuh > "$h"
    keep="$keep fwd-h100-bf16-d128-causal"
  else
    cp "$hdr" "$h"
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
  if [ "$tests" = tests ]; then
    exe=$(CARGO_TARGET_DIR=$T cargo test -q --release -p qimeng-gpu-tests --test kernels --no-run \
          --message-format=json | grep -o '"executable":"[^"]*kernels-[^"]*"' | tail -1 | cut -d'"' -f4)
    cp "$exe" "$C/$name/gpu-tests"
  fi
  echo "built $name ($hdr${tests:+, with tests/gpu}) $(date -u +%T)"
done
