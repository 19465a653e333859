#!/bin/bash
# hvar2's A/B builds (run 3): bash build.sh NAME:POLY_EXP2_EVERY:POLY_TANH ... (run 3 used
# p4:4:1 p2:2:1 p0:0:1 t4:4:0 t0:0:0). Each is a copy of the hvar2 worktree whose kernels-cache
# holds only the 8 h100 bf16 d128 entries, fa3_fwd.cuh's softcap knobs set by sed (the committed
# header has no kPolyExp2Every any more: it was `static constexpr int kPolyExp2Every = kSoftcap >
# 0.f ? 4 : 0;`, one 8-column chunk in N through an FMA-pipe exp2), built into
# .carry/hvar2/NAME. qimeng-build bakes its include directory (CARGO_MANIFEST_DIR) in at compile
# time, so with one CARGO_TARGET_DIR for several copies it must be cleaned per copy, or every
# build silently compiles the first copy's headers.
set -e
WT=${WT:-/work/wt-hvar2}; C=/work/main/.carry/hvar2; T=${CARGO_TARGET_DIR:-/tmp/target-hvar2}
keep="fwd-h100-bf16-d128-causal fwd-h100-bf16-d128-full fwd-h100-bf16-d128-causal-alibi
fwd-h100-bf16-d128-full-alibi fwd-h100-bf16-d128-causal-softcap50 fwd-h100-bf16-d128-causal-w1024_0
fwd-h100-bf16-d128-causal-w1024_0-softcap50 fwd-h100-bf16-d128-full-w256_256"
for spec in "$@"; do
  IFS=: read -r name pe pt <<< "$spec"
  d=/tmp/hvar2-$name; rm -rf "$d"; mkdir -p "$d"
  (cd "$WT" && git ls-files -z | tar --null -T - -cf -) | tar -C "$d" -xf -
  ln -sfn /work/main/.qimeng "$d/.qimeng"
  for e in "$d"/kernels-cache/fwd-* "$d"/kernels-cache/dec-*; do
    echo "$keep" | tr " " "\n" | grep -qx "$(basename "$e")" || rm -rf "$e"
  done
  h=$d/kernels-cache/include/qimeng/fa3_fwd.cuh
  sed -i "s/static constexpr int kPolyExp2Every = kSoftcap > 0.f ? 4 : 0;/static constexpr int kPolyExp2Every = kSoftcap > 0.f ? $pe : 0;/" "$h"
  [ "$pt" = 0 ] && sed -i "s/static constexpr bool kPolyTanh = kSoftcap > 0.f;/static constexpr bool kPolyTanh = false;/" "$h"
  cd "$d"
  CARGO_TARGET_DIR=$T cargo clean -q --release -p qimeng-build -p qimeng-bench-ffi -p qimeng-gpu-tests
  CARGO_TARGET_DIR=$T cargo build -q --release -p qimeng-bench-ffi
  exe=$(CARGO_TARGET_DIR=$T cargo test -q --release -p qimeng-gpu-tests --test kernels --no-run \
        --message-format=json | grep -o '"executable":"[^"]*kernels-[^"]*"' | tail -1 | cut -d'"' -f4)
  rm -rf "${C:?}/$name"; mkdir -p "$C/$name"
  cp "$T/release/libqimeng_bench_ffi.so" "$exe" "$C/$name/" && mv "$C/$name/$(basename "$exe")" "$C/$name/gpu-tests"
  echo "built $name (exp2 chunk in $pe on the FMA pipe, polynomial tanh $pt)"
done
