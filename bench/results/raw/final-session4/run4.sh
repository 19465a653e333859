#!/usr/bin/env bash
# Session 4's fourth call (carry [".carry/bin", ".carry/bench"]): full ALiBi on the lazy O
# rescale with its row term (fa3_fwd.cuh), which re-hashes the 32 fa3_fwd.cuh entries:
# tests/gpu full grid on the h100 and h200 entries (records, one appended log), memcheck on the
# h100 set, memcheck + racecheck on full-alibi, then the ALiBi variants timed twice (two
# processes). Files: verify.jsonl, gpu-tests.log, sanitizers.log, bench.log.
# Result: correct and clean, but full ALiBi 0.894 / 0.892 x plain against the eager 0.895 of
# call 2: reverted (git revert restores the header and the records of calls 3 and 3b).
set -uo pipefail
o=${OUT:-/tmp/out}; mkdir -p "$o"; bin=.carry/bin; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
export QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash scripts/gpu-carry.sh; bash bench/results/raw/final-session4/run4.sh"
: > "$o/gpu-tests.log"
for filt in fwd-h100- fwd-h200-; do
  QIMENG_TEST_FILTER="$filt" QIMENG_VERIFY_LOG="$o/verify.jsonl" timeout 200 "$bin/gpu-tests" >> "$o/gpu-tests.log" 2>&1
  stamp "gpu tests $filt" $? | tee -a "$o/gpu-tests.log"
done
grep -E "FAIL|^kernels:" "$o/gpu-tests.log" | tail -n 20
: > "$o/sanitizers.log"
for spec in "memcheck:fwd-h100-" "memcheck:fwd-h100-bf16-d128-full-alibi" "racecheck:fwd-h100-bf16-d128-full-alibi"; do
  tool=${spec%%:*}; filt=${spec#*:}
  QIMENG_TEST_FILTER="$filt" QIMENG_TEST_SHAPES=small timeout 60 compute-sanitizer --tool $tool --error-exitcode 3 "$bin/gpu-tests" > /tmp/san.log 2>&1
  rc=$?; stamp "== $tool $filt" $rc | tee -a "$o/sanitizers.log"
  grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" /tmp/san.log | head -n 4 >> "$o/sanitizers.log"
done
export PYTHONUNBUFFERED=1
cd .carry/bench
for i in 1 2; do
  timeout 60 python3 variants_speed.py --lib . --seqlens 8192 --parts variants --only alibi --reps 20 --rounds 5 --no-flex >> "$o/bench.log" 2>&1
  stamp "alibi variants $i" $? | tee -a "$o/bench.log"
done
grep -E "^s8192" "$o/bench.log" | cut -c1-110
