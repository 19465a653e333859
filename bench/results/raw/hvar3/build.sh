#!/bin/bash
# hvar3's A/B builds (run 4): bash build.sh NAME:HEADER ... where HEADER is `wt` (the hvar3
# worktree as it is) or a git revision whose fa3_fwd.cuh replaces the worktree's (the entries
# stay the worktree's: e.g. `s:main` = the two-schedule entries on main's header); `main:@main`
# (a leading @) copies that whole revision instead. Each build is a copy whose kernels-cache holds
# only the 10 h100 bf16 d128 entries below, built into .carry/hvar3/NAME (bench-ffi + tests/gpu,
# release). qimeng-build bakes its include directory (CARGO_MANIFEST_DIR) in at compile time,
# so with one CARGO_TARGET_DIR for several copies it is cleaned per copy (hvar2's build.sh).
set -e
WT=${WT:-/work/wt-hvar3}; C=/work/main/.carry/hvar3; T=${CARGO_TARGET_DIR:-/tmp/target-hvar3}
keep="fwd-h100-bf16-d128-causal fwd-h100-bf16-d128-full fwd-h100-bf16-d128-causal-alibi
fwd-h100-bf16-d128-full-alibi fwd-h100-bf16-d128-causal-softcap50 fwd-h100-bf16-d128-causal-w1024_0
fwd-h100-bf16-d128-causal-w1024_0-softcap50 fwd-h100-bf16-d128-full-w256_256
fwd-h100-bf16-d128-causal-varlen fwd-h100-bf16-d128-full-varlen"
for spec in "$@"; do
  IFS=: read -r name hdr <<< "$spec"
  d=/tmp/hvar3-$name; rm -rf "$d"; mkdir -p "$d"
  if [ "${hdr#@}" != "$hdr" ]; then
    git -C "$WT" archive "${hdr#@}" | tar -C "$d" -xf -
  else
    (cd "$WT" && git ls-files -z | tar --null -T - -cf -) | tar -C "$d" -xf -
    [ "$hdr" = wt ] || git -C "$WT" show "$hdr:kernels-cache/include/qimeng/fa3_fwd.cuh" \
      > "$d/kernels-cache/include/qimeng/fa3_fwd.cuh"
  fi
  ln -sfn /work/main/.qimeng "$d/.qimeng"
  for e in "$d"/kernels-cache/fwd-* "$d"/kernels-cache/dec-*; do
    echo "$keep" | tr " " "\n" | grep -qx "$(basename "$e")" || rm -rf "$e"
  done
  cd "$d"
  CARGO_TARGET_DIR=$T cargo clean -q --release -p qimeng-build -p qimeng-bench-ffi -p qimeng-gpu-tests
  CARGO_TARGET_DIR=$T cargo build -q --release -p qimeng-bench-ffi
  exe=$(CARGO_TARGET_DIR=$T cargo test -q --release -p qimeng-gpu-tests --test kernels --no-run \
        --message-format=json | grep -o '"executable":"[^"]*kernels-[^"]*"' | tail -1 | cut -d'"' -f4)
  rm -rf "${C:?}/$name"; mkdir -p "$C/$name"
  cp "$T/release/libqimeng_bench_ffi.so" "$exe" "$C/$name/" && mv "$C/$name/$(basename "$exe")" "$C/$name/gpu-tests"
  echo "built $name (header: $hdr)"
done
