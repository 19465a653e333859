#!/bin/bash
# hepi's A/B builds (session 7; raw/hop11/build.sh, trimmed): bash build.sh NAME:REV ... -- REV is
# a commit (git archive of it) or "wt" (the hepi worktree as committed: git ls-files). KEEP (the
# entries kept in the copy, default: the 7 h100 bf16 ones the A/B times; "all": every entry). Each
# copy is built (bench-ffi, and tests/gpu when TESTS=1) into /work/main/.carry/hepi/NAME.
# qimeng-build bakes its include directory in at compile time, so it is cleaned per copy.
set -e
WT=${WT:-/work/wt-hepi}; C=/work/main/.carry/hepi; T=${CARGO_TARGET_DIR:-/tmp/target-hepi}
keep=${KEEP:-"fwd-h100-bf16-d128-causal fwd-h100-bf16-d128-full fwd-h100-bf16-d64-causal
fwd-h100-bf16-d64-full fwd-h100-bf16-d128-causal-w1024_0 fwd-h100-bf16-d128-causal-w1024_0-softcap50
fwd-h100-bf16-d128-full-w256_256"}
for spec in "$@"; do
  IFS=: read -r name rev <<< "$spec"
  d=/tmp/hepi-$name; rm -rf "$d"; mkdir -p "$d"
  if [ "$rev" = wt ]; then
    (cd "$WT" && git ls-files -z | tar --null -T - -cf -) | tar -C "$d" -xf -
  else
    git -C "$WT" archive "$rev" | tar -C "$d" -xf -
  fi
  ln -sfn /work/main/.qimeng "$d/.qimeng"
  [ "$keep" = all ] || for e in "$d"/kernels-cache/fwd-* "$d"/kernels-cache/dec-*; do
    echo "$keep" | tr " " "\n" | grep -qx "$(basename "$e")" || rm -rf "$e"
  done
  cd "$d"
  CARGO_TARGET_DIR=$T cargo clean -q --release -p qimeng-build -p qimeng-bench-ffi -p qimeng-gpu-tests
  if [ "${TESTS:-0}" = 1 ]; then
    exe=$(CARGO_TARGET_DIR=$T cargo test -q --release -p qimeng-gpu-tests --test kernels --no-run \
          --message-format=json | grep -o '"executable":"[^"]*kernels-[^"]*"' | tail -1 | cut -d'"' -f4)
  fi
  CARGO_TARGET_DIR=$T cargo build -q --release -p qimeng-bench-ffi
  rm -rf "${C:?}/$name"; mkdir -p "$C/$name"
  cp "$T/release/libqimeng_bench_ffi.so" "$C/$name/"
  [ "${TESTS:-0}" = 1 ] && cp "$exe" "$C/$name/gpu-tests"
  echo "built $name ($rev) $(date -u +%T)"
done
