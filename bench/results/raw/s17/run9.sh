#!/bin/bash
# Session 17, call 9: main 27957cd (kMaskedFold in fa3_fwd.cuh; the softcap entries take it, the
# 1024-key windows kHeadGroup 0). After `CARGO_TARGET_DIR=/tmp/target-main bash
# scripts/gpu-carry.sh`: tests/gpu full grid on every h100 bf16/f16 and h200 entry with the
# records (the header changed: every fa3 record is re-earned), compute-sanitizer memcheck,
# racecheck and synccheck on the entries whose PTX changed (the windows, row_bounds; causal
# softcap, kMaskedFold), the runtime device tests and the example (scripts/gpu-reverify.sh).
set -uo pipefail
out=${OUT:-/tmp/out}
TEST_FILTERS="fwd-h100-bf16 fwd-h100-f16 fwd-h200" SANITIZE_JOBS=3 SANITIZE_TIMEOUT=150 \
  SANITIZE="memcheck:-w racecheck:-w synccheck:-w memcheck:causal-softcap50 racecheck:causal-softcap50 synccheck:causal-softcap50" \
  timeout 570 bash .carry/bin/reverify.sh; echo "reverify rc=$?"
ls $out
true
