#!/bin/bash
# Session 19, call 7: memcheck, racecheck and synccheck on the w4096_0 entries (Mistral's and
# Gemma 2's windows; small grid), the other two of the four causal window entries session 18
# changed; no grid (call 6 ran it on the same build).
set -uo pipefail
TEST_FILTERS=none \
  SANITIZE="memcheck:-w4096_0 racecheck:-w4096_0 synccheck:-w4096_0" SANITIZE_JOBS=3 SANITIZE_TIMEOUT=200 \
  bash .carry/bin/reverify.sh
