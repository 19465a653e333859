#!/bin/bash
# hvar5's A/B builds: bash build.sh NAME:WIDE:SHARED[:tests] ... (NAME:main for main's header).
# Each is a copy of the hvar5 worktree's files with fa3_fwd.cuh's two softcap knobs set by sed
# (kPolyWide: keep the degree-7 tier; kSharedFallback: an unmasked block whose polynomial
# declines takes the masked softmax, no unmasked MUFU copy), with only the two causal softcap
# entries in kernels-cache (base: also the plain causal entry, ab.py's denominator), built into
# .carry/hvar5/NAME: bench-ffi (release) and, with `:tests`, tests/gpu. qimeng-build bakes its
# include directory in at compile time, so the one CARGO_TARGET_DIR is cleaned per copy
# (hvar2's build.sh says why).
set -e
WT=${WT:-/work/wt-hvar5}; C=/work/main/.carry/hvar5; T=${CARGO_TARGET_DIR:-/tmp/target-hvar5}
for spec in "$@"; do
  IFS=: read -r name wide shared tests <<< "$spec"
  keep="fwd-h100-bf16-d128-causal-softcap50 fwd-h100-bf16-d128-causal-w1024_0-softcap50"
  d=/tmp/hvar5-$name; rm -rf "$d"; mkdir -p "$d"
  (cd "$WT" && git ls-files -z | tar --null -T - -cf -) | tar -C "$d" -xf -
  h=$d/kernels-cache/include/qimeng/fa3_fwd.cuh
  if [ "$wide" = main ]; then
    git -C /work/main show main:kernels-cache/include/qimeng/fa3_fwd.cuh > "$h"
    keep="$keep fwd-h100-bf16-d128-causal"
  else
    cp "$WT/kernels-cache/include/qimeng/fa3_fwd.cuh" "$h"
    sed -i "s|kPolyWide = [a-z]*;|kPolyWide = $wide;|; s|kSharedFallback = [a-z]*;|kSharedFallback = $shared;|" "$h"
    grep -c "kPolyWide = $wide;\|kSharedFallback = $shared;" "$h"
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
  echo "built $name ($wide $shared${tests:+, with tests/gpu}) $(date -u +%T)"
done
