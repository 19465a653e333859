#!/bin/bash
# Session 18, call 12 (main 9c9a1e6: the review's mends; fa3_fwd.cuh's bytes changed but every
# h100/h200 entry's PTX is byte-identical to call 9's, so the sanitizer runs of calls 4, 9 and 11
# stand): tests/gpu full grid on every h100 bf16/f16 and h200 entry with records, the runtime's
# device tests and the example. Built by `CARGO_TARGET_DIR=/tmp/target-main bash scripts/gpu-carry.sh`.
TEST_FILTERS="fwd-h100-bf16 fwd-h100-f16 fwd-h200" SANITIZE=none bash .carry/bin/reverify.sh
