#!/bin/bash
# hwin3's copy of hwin2's build.sh (carry .carry/hwin3, worktree wt-hwin3); hwin2's A/B builds (session 6): bash build.sh NAME:REV ... -- REV is a commit (git archive of it)
# or "wt" (the hwin2 worktree as it is); HDR_SED / ENT_SED (sed scripts, optional) edit the copy's
# fa3_fwd.cuh / the three fa3 window entries' kernel.cu before the build (the candidates' knobs). Each is a copy whose kernels-cache holds only the plain
# causal/full and the 4 window bf16 d128 h100 entries, built (bench-ffi, and tests/gpu when
# TESTS=1) into /work/main/.carry/hwin2/NAME. qimeng-build bakes its include directory in at
# compile time, so it is cleaned per copy (hvar2's build.sh says why).
set -e
WT=${WT:-/work/wt-hwin3}; C=/work/main/.carry/hwin3; T=${CARGO_TARGET_DIR:-/tmp/target-hwin3}
keep="fwd-h100-bf16-d128-causal fwd-h100-bf16-d128-full fwd-h100-bf16-d128-causal-w1024_0
fwd-h100-bf16-d128-causal-w1024_0-softcap50 fwd-h100-bf16-d128-causal-w1024_0-varlen
fwd-h100-bf16-d128-full-w256_256"
for spec in "$@"; do
  IFS=: read -r name rev <<< "$spec"
  d=/tmp/hwin3-$name; rm -rf "$d"; mkdir -p "$d"
  if [ "$rev" = wt ]; then
    (cd "$WT" && git ls-files -z | tar --null -T - -cf -) | tar -C "$d" -xf -
  else
    git -C "$WT" archive "$rev" | tar -C "$d" -xf -
  fi
  ln -sfn /work/main/.qimeng "$d/.qimeng"
  if [ -n "${HDR_SED:-}" ]; then sed -i "$HDR_SED" "$d/kernels-cache/include/qimeng/fa3_fwd.cuh"; fi
  if [ -n "${ENT_SED:-}" ]; then
    for e in causal-w1024_0 causal-w1024_0-softcap50 full-w256_256; do
      sed -i "$ENT_SED" "$d/kernels-cache/fwd-h100-bf16-d128-$e/kernel.cu"
    done
  fi
  # the copy's window entries' kernel.cu hash into meta.json (what `qimeng cache seal` records;
  # the build refuses an entry whose file does not match)
  for e in causal-w1024_0 causal-w1024_0-softcap50 full-w256_256; do
    python3 - "$d/kernels-cache/fwd-h100-bf16-d128-$e" <<'PY'
import hashlib, json, sys
d = sys.argv[1]
m = json.load(open(d + "/meta.json"))
m["files"]["kernel.cu"] = "sha256:" + hashlib.sha256(open(d + "/kernel.cu", "rb").read()).hexdigest()
json.dump(m, open(d + "/meta.json", "w"), indent=2)
PY
  done
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
