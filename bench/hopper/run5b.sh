#!/usr/bin/env bash
# Session 5's second device call (carry [".carry/hopper5"]): after rebasing onto hvar's Hopper
# variants, tests/gpu (binary of the rebased branch) on the 16 two-schedule entries and on the
# 4 persistent variant entries whose kernel.tl gained `Schedule persistent` (re-sealed).
cd "$(dirname "$0")"
o=${OUT:-/tmp/out}; mkdir -p "$o"
s=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv > "$o/smi.txt" 2>&1
export QIMENG_DATE=$(date -u +%F) QIMENG_COMMAND="bash .carry/hopper5/run5b.sh (bench/hopper/run5b.sh)"
: > "$o/verify.jsonl"; : > "$o/gpu-tests.log"
keys=""  # the h100 bf16 d128 filters also match the variant entries (substrings)
for g in h100 h200; do for t in bf16 f16; do for k in d64-full d64-causal d128-full d128-causal; do keys="$keys fwd-$g-$t-$k"; done; done; done
for key in $keys; do
  QIMENG_TEST_FILTER=$key QIMENG_VERIFY_LOG=/tmp/v.jsonl timeout 60 ./gpu-tests >> "$o/gpu-tests.log" 2>&1; rc=$?
  cat /tmp/v.jsonl >> "$o/verify.jsonl"; echo "gpu $key rc=$rc $(( $(date +%s) - s ))s" | tee -a "$o/gpu-tests.log"
done
grep -E "^kernel .* \.\.\. " "$o/gpu-tests.log" | sort | uniq -c
