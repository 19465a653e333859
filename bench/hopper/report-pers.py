"""Compact table of one persistent-kernel device call (bench/hopper/run-pers.sh): per (d, mask,
seqlen), cuDNN TFLOP/s and every timed variant's TFLOP/s / cuDNN. Usage: report-pers.py DIR."""
import sys
from collections import defaultdict

d = sys.argv[1]
ours = defaultdict(dict)  # (d, mask, seqlen) -> variant -> TFLOP/s
cudnn = {}
for line in open(f"{d}/bench.txt"):
    f = [x.strip() for x in line.split("|")]
    if len(f) > 9 and f[2].isdigit():
        ours[(int(f[2]), f[3], int(f[5]))][f[1]] = float(f[8])
for line in open(f"{d}/cudnn.txt"):
    f = [x.strip() for x in line.split("|")]
    if len(f) > 8 and f[1] == "cudnn" and f[8]:
        cudnn[(int(f[2]), f[3], int(f[5]))] = float(f[8])
for (hd, mask) in sorted({(k[0], k[1]) for k in ours}):
    keys = sorted(k for k in ours if k[0] == hd and k[1] == mask)
    names = sorted({n for k in keys for n in ours[k]})
    print(f"\nd{hd} {mask}: seqlen | cuDNN | " + " | ".join(names))
    for k in keys:
        c = cudnn.get(k)
        cells = []
        for n in names:
            v = ours[k].get(n)
            cells.append("-" if v is None else f"{v:.0f}" + (f" ({v / c:.2f})" if c else ""))
        print(f"{k[2]} | {c} | " + " | ".join(cells))
