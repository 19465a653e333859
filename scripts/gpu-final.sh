# Runs on the GPU machine after scripts/gpu-carry.sh (which copies this file to .carry/bin/final.sh) and
# bench: every cache entry's full grid, the FA3-grid benchmark (.carry/bench from bench/build.sh),
# compute-sanitizer on the small grid, the example. Logs in $OUT. Run: bash .carry/bin/final.sh
set -uo pipefail
out=${OUT:-/tmp/out}; mkdir -p "$out"; bin=.carry/bin
export QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash scripts/gpu-carry.sh; bash .carry/bin/final.sh"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee "$out/card.txt"
s=$(date +%s)
"$bin/runtime-device-tests" > "$out/runtime.log" 2>&1; echo "runtime device tests rc=$?"; tail -n 2 "$out/runtime.log"
QIMENG_VERIFY_LOG="$out/verify.jsonl" "$bin/gpu-tests" > "$out/gpu-tests.log" 2>&1; echo "gpu tests rc=$? ($(( $(date +%s) - s )) s)"; grep -E "FAIL|^kernels:" "$out/gpu-tests.log" | tail -n 20
(cd .carry/bench && PYTHONUNBUFFERED=1 timeout 280 python3 bench.py --lib . --out "$out/bench.md" --grids fa3,fa3-256 --reps 10 --rounds 3 > "$out/bench.log" 2>&1; echo "bench rc=$? ($(( $(date +%s) - s )) s)")
: > "$out/sanitizers.log"
for spec in "memcheck:" "racecheck:-h100-" "synccheck:-h100-"; do
  tool=${spec%%:*}; filt=${spec#*:}
  QIMENG_TEST_FILTER="$filt" QIMENG_TEST_SHAPES=small timeout 100 compute-sanitizer --tool $tool --error-exitcode 3 "$bin/gpu-tests" > /tmp/san.log 2>&1
  rc=$?; echo "== $tool filter='$filt' rc=$rc" | tee -a "$out/sanitizers.log"; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|SYNCCHECK|^kernels:|Error" /tmp/san.log | head -n 8 | tee -a "$out/sanitizers.log"
done
echo "sanitizers done ($(( $(date +%s) - s )) s)"
"$bin/qimeng-example" > "$out/example.log" 2>&1; echo "example rc=$?"; tail -n 6 "$out/example.log"
