#!/bin/bash
# Session 19, call 6: the kernels changed since f36e453 (session 18: fa3_fwd.cuh's kShortLast and
# few_pairs_a_round; the four causal window entries) verified again in this session on main
# f1c8d6a: tests/gpu full grid on every h100 bf16/f16 and h200 entry with records, memcheck,
# racecheck and synccheck on the w1024_0 entries (small grid), the runtime's device tests and the
# example. Built by `CARGO_TARGET_DIR=/tmp/target-main bash scripts/gpu-carry.sh`.
set -uo pipefail
TEST_FILTERS="fwd-h100-bf16 fwd-h100-f16 fwd-h200" \
  SANITIZE="memcheck:-w1024_0 racecheck:-w1024_0 synccheck:-w1024_0" SANITIZE_JOBS=3 SANITIZE_TIMEOUT=200 \
  bash .carry/bin/reverify.sh
