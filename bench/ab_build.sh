#!/bin/bash
# Builds for a same-process A/B on the device (bench/ab_var.py, bench/results/raw/hop9/ab.py):
# each NAME:REV:SED is a copy of the tree at REV (a commit or branch, `git archive`; "wt": the
# working tree's tracked files; REV+PATCH: then PATCH, `git diff` output such as a header
# variant, applied to the copy; its path absolute or from the repository root) with only the
# entries in KEEP, SED (a sed script, may be empty) applied to the kernel.cu of the entries in
# ENTS and those entries re-sealed (`qimeng cache seal`), built (bench-ffi, and tests/gpu when
# TESTS=1) into $CARRY/NAME for a `run` call's carry.
#
#     KEEP="fwd-h100-bf16-d128-causal fwd-h100-bf16-d128-causal-w1024_0" \
#     ENTS=fwd-h100-bf16-d128-causal-w1024_0 TESTS=1 \
#     bash bench/ab_build.sh base:HEAD: "g8:HEAD:s/kHeadGroup = 16;/kHeadGroup = 8;/"
#
# qimeng-build bakes its include directory in at compile time, so it is cleaned per copy.
# (Session 9's raw/w3 calls ran it as bench/results/raw/w3/build.sh with CARRY=.carry/w3.)
set -e
R=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
C=${CARRY:-$R/.carry/ab}; T=${CARGO_TARGET_DIR:-/tmp/target-ab}
# Both are used after a cd into each copy: a relative one is taken from where this was run (a
# relative CARRY once put session 11's builds under /tmp/ab-NAME/.carry).
case $C in /*) ;; *) C=$PWD/$C ;; esac
case $T in /*) ;; *) T=$PWD/$T ;; esac
keep=${KEEP:-"fwd-h100-bf16-d128-causal fwd-h100-bf16-d128-causal-w1024_0"}
ents=${ENTS:-"fwd-h100-bf16-d128-causal-w1024_0"}
for spec in "$@"; do
  IFS=: read -r name rev sedscript <<< "$spec"
  patch=""
  case $rev in *+*) patch=${rev#*+}; rev=${rev%%+*} ;; esac
  d=/tmp/ab-$name; rm -rf "$d"; mkdir -p "$d"
  if [ "$rev" = wt ]; then
    (cd "$R" && git ls-files -z | tar --null -T - -cf -) | tar -C "$d" -xf -
  else
    git -C "$R" archive "$rev" | tar -C "$d" -xf -
  fi
  if [ -n "$patch" ]; then
    case $patch in /*) ;; *) patch=$R/$patch ;; esac
    (cd "$d" && git apply -p1 --whitespace=nowarn "$patch")
  fi
  ln -sfn "$R/.qimeng" "$d/.qimeng"
  if [ -n "$sedscript" ]; then
    for e in $ents; do sed -i "$sedscript" "$d/kernels-cache/$e/kernel.cu"; done
    # shellcheck disable=SC2086
    CARGO_TARGET_DIR=$T cargo run -q --manifest-path "$R/Cargo.toml" -p qimeng-cli -- \
      cache seal --cache-dir "$d/kernels-cache" $ents > /dev/null
  fi
  for e in "$d"/kernels-cache/fwd-* "$d"/kernels-cache/dec-*; do
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
