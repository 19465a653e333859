#!/bin/bash
# Session 9 (issue 9, helper hostore): builds for the producer-issued O store (kProducerStore).
# bench/ab_build.sh's pattern: bash build.sh NAME:REV:SED ... -- REV a commit (git archive of it)
# or "wt" (the hostore worktree's tracked files as they are); SED a sed script for the three
# window entries' kernel.cu ("" = as committed; their meta.json hash follows). Builds bench-ffi
# (and tests/gpu when TESTS=1) with the plain d128 causal / full entries and the window entries
# into /work/main/.carry/hostore/NAME.
set -e
R=${WT:-/work/wt-hostore}; C=/work/main/.carry/hostore; T=${CARGO_TARGET_DIR:-/tmp/target-hostore}
keep=${KEEP:-"fwd-h100-bf16-d128-causal fwd-h100-bf16-d128-full fwd-h100-bf16-d128-causal-w1024_0
fwd-h100-bf16-d128-causal-w1024_0-softcap50 fwd-h100-bf16-d128-full-w256_256"}
ents=${ENTS:-"fwd-h100-bf16-d128-causal-w1024_0 fwd-h100-bf16-d128-causal-w1024_0-softcap50
fwd-h100-bf16-d128-full-w256_256"}
for spec in "$@"; do
  IFS=: read -r name rev sedscript <<< "$spec"
  d=/tmp/hostore-$name; rm -rf "$d"; mkdir -p "$d"
  if [ "$rev" = wt ]; then
    (cd "$R" && git ls-files -z | tar --null -T - -cf -) | tar -C "$d" -xf -
  else
    git -C "$R" archive "$rev" | tar -C "$d" -xf -
  fi
  ln -sfn /work/main/.qimeng "$d/.qimeng"
  if [ -n "$sedscript" ]; then
    for e in $ents; do
      f="$d/kernels-cache/$e"
      sed -i "$sedscript" "$f/kernel.cu"
      grep -q kProducerStore "$f/kernel.cu" || { echo "sed did not apply to $e"; exit 1; }
      python3 - "$f" <<'PY'
import hashlib, json, sys
d = sys.argv[1]
m = json.load(open(d + "/meta.json"))
m["files"]["kernel.cu"] = "sha256:" + hashlib.sha256(open(d + "/kernel.cu", "rb").read()).hexdigest()
json.dump(m, open(d + "/meta.json", "w"), indent=2)
PY
    done
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
