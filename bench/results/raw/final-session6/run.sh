#!/usr/bin/env bash
# Session 6's closing device call on the merged main (carry [".carry/bin", ".carry/bench",
# ".carry/decode"]): every entry on the full GPU grid (records for the re-sealed entries),
# compute-sanitizer on the changed families (fa3, decode; racecheck over every h100 bf16 d64/d128
# fwd entry, every h100 f16 fwd entry and every h200 entry: the filters are substrings), the example, then the FA3 grid, the
# variant grid and the decode grid (with decode.py's NaN-tail tests) on the merged build.
# At most 8 files come back: verify.jsonl, gpu-tests.log, sanitizers.log, misc.log, fa3.md,
# variants.md, decode.md, bench.log.
set -uo pipefail
o=${OUT:-/tmp/out}; mkdir -p "$o"; bin=.carry/bin; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
export QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash scripts/gpu-carry.sh; bash bench/results/raw/final-session6/run.sh"
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } > "$o/misc.log" 2>&1
"$bin/runtime-device-tests" > /tmp/rt.log 2>&1; stamp "runtime device tests" $? | tee -a "$o/misc.log"; tail -n 2 /tmp/rt.log >> "$o/misc.log"
QIMENG_VERIFY_LOG="$o/verify.jsonl" timeout 260 "$bin/gpu-tests" > "$o/gpu-tests.log" 2>&1; stamp "gpu tests" $? | tee -a "$o/gpu-tests.log"
grep -E "FAIL|^kernels:" "$o/gpu-tests.log" | tail -n 20
: > "$o/sanitizers.log"
for spec in "memcheck:fwd-h100-" "memcheck:fwd-h200-" "memcheck:dec-h100" "memcheck:fwd-a100-bf16-d128" \
            "racecheck:fwd-h100-bf16-d64-causal" "racecheck:fwd-h100-bf16-d64-full" \
            "racecheck:fwd-h100-bf16-d128-causal" "racecheck:fwd-h100-bf16-d128-full" \
            "racecheck:dec-h100-bf16-d128" "racecheck:fwd-h100-f16-d" "racecheck:fwd-h200-" \
            "synccheck:fwd-h100-bf16-d64" "synccheck:fwd-h100-bf16-d128-full" "synccheck:fwd-h100-bf16-d128-causal-w1024_0" \
            "synccheck:fwd-h100-f16-d64-causal" "synccheck:dec-h100-f16-d64" "synccheck:fwd-h100-bf16-d128-causal-softcap50"; do
  tool=${spec%%:*}; filt=${spec#*:}
  QIMENG_TEST_FILTER="$filt" QIMENG_TEST_SHAPES=small timeout 150 compute-sanitizer --tool $tool --error-exitcode 3 "$bin/gpu-tests" > /tmp/san.log 2>&1
  rc=$?; stamp "== $tool $filt" $rc | tee -a "$o/sanitizers.log"
  grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" /tmp/san.log | head -n 4 >> "$o/sanitizers.log"
done
"$bin/qimeng-example" > /tmp/ex.log 2>&1; stamp example $? | tee -a "$o/misc.log"; tail -n 6 /tmp/ex.log >> "$o/misc.log"
export PYTHONUNBUFFERED=1
cd .carry/bench
timeout 90 python3 bench.py --lib . --grids fa3 --reps 10 --rounds 3 --out "$o/fa3.md" > "$o/bench.log" 2>&1; stamp "bench fa3" $? | tee -a "$o/bench.log"
timeout 120 python3 variants_speed.py --lib . --seqlens 8192 --varlen-seqlens 4096 --reps 10 --rounds 3 --no-flex --out "$o/variants.md" >> "$o/bench.log" 2>&1; stamp "variants" $? | tee -a "$o/bench.log"
cd ../decode
timeout 60 python3 decode.py --lib ./libqimeng_decode.so --test >> "$o/misc.log" 2>&1; stamp "decode.py --test" $? | tee -a "$o/misc.log"
timeout 100 python3 decode.py --lib ./libqimeng_decode.so --name ours --bench --reps 30 --out "$o/decode.md" >> "$o/bench.log" 2>&1; stamp "decode bench" $? | tee -a "$o/bench.log"
grep -h "rc=" "$o"/*.log
