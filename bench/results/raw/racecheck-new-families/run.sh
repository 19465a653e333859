set -uo pipefail
out=${OUT:-/tmp/out}; mkdir -p "$out"; bin=.carry/bin
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$out/card.txt"
for f in -f32- alibi varlen; do
  QIMENG_TEST_FILTER="$f" QIMENG_TEST_SHAPES=small timeout 45 compute-sanitizer --tool racecheck --error-exitcode 3 "$bin/gpu-tests" > "$out/racecheck$f.log" 2>&1
  echo "racecheck filter=$f rc=$?"; grep -E "SUMMARY|^kernels:" "$out/racecheck$f.log"
done
