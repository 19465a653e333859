#!/bin/bash
# Session 9 (issue 9): the causal w1024_0 entry with 3 consumer warpgroups (BM 192) and BN 64.
# bash build.sh NAME:REV:SED ... -- REV a commit of /work/main (git archive) or "wt" (the working
# tree's tracked files); SED a sed script for the w1024_0 entry's kernel.cu ("" = as committed).
# Builds bench-ffi (and tests/gpu when TESTS=1) with the plain d128 causal entry and the window
# entries named in KEEP into /work/main/.carry/w3/NAME.
set -e
R=/work/main; C=$R/.carry/w3; T=${CARGO_TARGET_DIR:-/tmp/target-w3}
keep=${KEEP:-"fwd-h100-bf16-d128-causal fwd-h100-bf16-d128-causal-w1024_0"}
ents=${ENTS:-"fwd-h100-bf16-d128-causal-w1024_0"}
for spec in "$@"; do
  IFS=: read -r name rev sedscript <<< "$spec"
  d=/tmp/w3-$name; rm -rf "$d"; mkdir -p "$d"
  if [ "$rev" = wt ]; then
    (cd "$R" && git ls-files -z | tar --null -T - -cf -) | tar -C "$d" -xf -
  else
    git -C "$R" archive "$rev" | tar -C "$d" -xf -
  fi
  ln -sfn $R/.qimeng "$d/.qimeng"
  if [ -n "$sedscript" ]; then
    for e in $ents; do
      f="$d/kernels-cache/$e"
      sed -i "$sedscript" "$f/kernel.cu"
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
