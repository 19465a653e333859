# hvar's device call (issue 9 deliverable 7): tests/gpu on the 8 h100 bf16 d128 entries of the
# build (the 6 Hopper variants and their plain entries), compute-sanitizer memcheck on all 8 and
# racecheck on one window and one ALiBi entry (small grid), then the variants benchmark. The
# binaries were built here from a copy of the branch whose kernels-cache held only those 8
# entries (same files; bench/ffi + tests/gpu, release), carried in .carry/hvar.
set -uo pipefail
out=${OUT:-/tmp/out}; mkdir -p "$out"; c=.carry/hvar
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee "$out/card.txt"
export QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash bench/results/raw/hvar/run.sh (gpu-tests of the 8 fwd-h100-bf16-d128 entries)"
# not timed: tests and sanitizers side by side
( QIMENG_VERIFY_LOG="$out/verify.jsonl" timeout 110 $c/gpu-tests > "$out/gpu-tests.log" 2>&1; echo "gpu-tests rc=$?" > "$out/gpu-tests.rc" ) &
( QIMENG_TEST_SHAPES=small timeout 110 compute-sanitizer --tool memcheck --error-exitcode 3 $c/gpu-tests > "$out/memcheck.log" 2>&1; echo "memcheck rc=$?" > "$out/memcheck.rc" ) &
( QIMENG_TEST_FILTER=d128-full- QIMENG_TEST_SHAPES=small timeout 110 compute-sanitizer --tool racecheck --error-exitcode 3 $c/gpu-tests > "$out/racecheck.log" 2>&1; echo "racecheck rc=$?" > "$out/racecheck.rc" ) &
wait
cat "$out"/*.rc; grep -hE "FAIL|^kernels:|SUMMARY" "$out/gpu-tests.log" "$out/memcheck.log" "$out/racecheck.log" | tail -n 12
# timed, alone on the card
timeout 190 python3 $c/variants_speed.py --lib $c --seqlens 8192 --reps 10 --rounds 3 --out "$out/variants.md" > "$out/variants.log" 2>&1; echo "bench rc=$?"
grep -v "^ *$" "$out/variants.log" | tail -n 14
