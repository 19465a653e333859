#!/usr/bin/env bash
# Re-verification of the 12 dec-* entries as committed on branch dec6 (carry .carry/dec6;
# about 35 s of device time): tests/gpu dec- (full grid) with gpu-tests-final, built from that
# tree (a copy holding only the dec-* entries, `cargo test --release -p qimeng-gpu-tests --test
# kernels --no-run`). Its kernels are run 2's c5 (PTX byte-identical: only comments, the h100
# kernel.tl text and one parameter now passed by reference changed since); run 2's own records
# did not come back from the device machine.
# Then, here:
#   cargo run -q -p qimeng-cli -- cache record <files_at>/verify.jsonl
cd "$(dirname "$0")"
O=${OUT:-/tmp/out}; mkdir -p "$O"
t0=$(date +%s)
QIMENG_DATE=$(date -u +%F) QIMENG_COMMAND="bash .carry/dec6/rerecord.sh (bench/results/raw/dec6/rerecord.sh), binary gpu-tests-final" \
  QIMENG_VERIFY_LOG="$O/verify.jsonl" QIMENG_TEST_FILTER=dec- timeout 70 ./gpu-tests-final > "$O/gpu-tests.log" 2>&1
echo "gpu-tests-final dec- rc $? ($(( $(date +%s) - t0 ))s)"; tail -1 "$O/gpu-tests.log"
