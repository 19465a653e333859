#!/bin/bash
# Session 18, call 4 (main c16ee27 + this script): the tests' new q_tiers inputs (keys in groups
# of 320) on the unchanged kernels. tests/gpu full grid on the three bf16 softcap entries, with
# records; compute-sanitizer memcheck, racecheck and synccheck on their small grid (its q_tiers
# case now 512 x 700); the runtime device tests and the example. Built by
#   CARGO_TARGET_DIR=/tmp/target-main bash scripts/gpu-carry.sh
TEST_FILTERS=softcap SANITIZE="memcheck:softcap racecheck:softcap synccheck:softcap" \
  SANITIZE_JOBS=3 SANITIZE_TIMEOUT=150 bash .carry/bin/reverify.sh
