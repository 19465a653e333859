#!/bin/bash
# Session 8's kOInQ A/B builds (hwin6; hwin5's build.sh): bash build.sh NAME:REV ... -- REV is a commit
# (git archive of it) or "wt" (the hwin6 worktree as committed: git ls-files). KEEP (the entries kept
# in the copy, default: plain d128 causal and full and the three window entries); ENT_SED (a sed script, optional)
# edits the ENTS entries' kernel.cu (default the three window entries; their meta.json hash follows). Each
# copy is built (bench-ffi, and tests/gpu when TESTS=1) into /work/main/.carry/hwin6/NAME.
# qimeng-build bakes its include directory in at compile time, so it is cleaned per copy.
set -e
WT=${WT:-/work/wt-hwin6}; C=/work/main/.carry/hwin6; T=${CARGO_TARGET_DIR:-/tmp/target-hwin6}
keep=${KEEP:-"fwd-h100-bf16-d128-causal fwd-h100-bf16-d128-full fwd-h100-bf16-d128-causal-w1024_0 fwd-h100-bf16-d128-full-w256_256 fwd-h100-bf16-d128-causal-w1024_0-softcap50"}
wins=${ENTS:-"causal-w1024_0 full-w256_256 causal-w1024_0-softcap50"}
for spec in "$@"; do
  IFS=: read -r name rev <<< "$spec"
  d=/tmp/hwin6-$name; rm -rf "$d"; mkdir -p "$d"
  if [ "$rev" = wt ]; then
    (cd "$WT" && git ls-files -z | tar --null -T - -cf -) | tar -C "$d" -xf -
  else
    git -C "$WT" archive "$rev" | tar -C "$d" -xf -
  fi
  ln -sfn /work/main/.qimeng "$d/.qimeng"
  if [ -n "${ENT_SED:-}" ]; then
    for e in $wins; do
      f="$d/kernels-cache/fwd-h100-bf16-d128-$e"
      sed -i "$ENT_SED" "$f/kernel.cu"
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
