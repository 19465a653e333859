#!/usr/bin/env bash
# Session 7's closing device call on the merged main (carry [".carry/bin", ".carry/bench",
# ".carry/decode"]): every entry on the full GPU grid (records for the re-sealed entries), the
# example, then the FA3 grid, the variant grid and the decode grid (with decode.py's NaN-tail
# tests) on the merged build. The sanitizer sweep is call 2 (run2.sh).
# Files back: verify.jsonl, gpu-tests.log, misc.log, fa3.md, variants.md, decode.md, bench.log.
set -uo pipefail
o=${OUT:-/tmp/out}; mkdir -p "$o"; bin=.carry/bin; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
export QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash scripts/gpu-carry.sh; bash bench/results/raw/final-session7/run.sh"
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } > "$o/misc.log" 2>&1
"$bin/runtime-device-tests" > /tmp/rt.log 2>&1; stamp "runtime device tests" $? | tee -a "$o/misc.log"; tail -n 2 /tmp/rt.log >> "$o/misc.log"
QIMENG_VERIFY_LOG="$o/verify.jsonl" timeout 420 "$bin/gpu-tests" > "$o/gpu-tests.log" 2>&1; stamp "gpu tests" $? | tee -a "$o/gpu-tests.log"
grep -E "FAIL|^kernels:" "$o/gpu-tests.log" | tail -n 20
"$bin/qimeng-example" > /tmp/ex.log 2>&1; stamp example $? | tee -a "$o/misc.log"; tail -n 6 /tmp/ex.log >> "$o/misc.log"
export PYTHONUNBUFFERED=1
cd .carry/bench
timeout 90 python3 bench.py --lib . --grids fa3 --reps 10 --rounds 3 --out "$o/fa3.md" > "$o/bench.log" 2>&1; stamp "bench fa3" $? | tee -a "$o/bench.log"
timeout 120 python3 variants_speed.py --lib . --seqlens 8192 --varlen-seqlens 4096 --reps 10 --rounds 3 --no-flex --out "$o/variants.md" >> "$o/bench.log" 2>&1; stamp "variants" $? | tee -a "$o/bench.log"
cd ../decode
timeout 60 python3 decode.py --lib ./libqimeng_decode.so --test >> "$o/misc.log" 2>&1; stamp "decode.py --test" $? | tee -a "$o/misc.log"
timeout 100 python3 decode.py --lib ./libqimeng_decode.so --name ours --bench --reps 30 --out "$o/decode.md" >> "$o/bench.log" 2>&1; stamp "decode bench" $? | tee -a "$o/bench.log"
grep -h "rc=" "$o"/*.log
