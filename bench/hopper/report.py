"""Joins one device run's fa3_driver bench table and sdpa_cudnn.py table (same call, same card)
into the ratio tables of bench/results/h100-hopper-*.md.
Usage: python3 bench/hopper/report.py RAWDIR > table.md"""
import re
import sys

raw = sys.argv[1]


def rows(path):
    out = {}
    for line in open(path):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 8 and re.fullmatch(r"\d+", cells[1] or "") and cells[6] and cells[7]:
            try:
                out[(cells[0], int(cells[1]), cells[2], int(cells[4]))] = float(cells[7])
            except ValueError:
                pass
    return out


ours = rows(f"{raw}/bench.txt")
cudnn = rows(f"{raw}/cudnn.txt")
again = rows(f"{raw}/bench2.txt")
best = {(64, "full"): "d64-full-3wg", (64, "causal"): "d64-causal-3wg", (128, "full"): "d128-full",
        (128, "causal"): "d128-causal", (256, "full"): "d256-full", (256, "causal"): "d256-causal"}
print("| d | mask | seqlen | variant | ours TFLOP/s | cuDNN | ours/cuDNN | FA2 entry | ours/FA2 |")
print("|---|---|---|---|---|---|---|---|---|")
below = []
for (d, mask), name in best.items():
    for s in (512, 1024, 2048, 4096, 8192, 16384):
        o = ours[(name, d, mask, s)]
        c = cudnn[("cudnn", d, mask, s)]
        f = ours[(f"fa2-entry-d{d}-{mask}", d, mask, s)]
        if o < c:
            below.append(f"d{d} {mask} {s}: {o / c:.3f}")
        print(f"| {d} | {mask} | {s} | {name} | {o:.1f} | {c:.1f} | {o / c:.3f} | {f:.1f} | {o / f:.3f} |")
print()
print("Cells under 1.0x cuDNN: " + (", ".join(below) if below else "none"))
print()
print("Ablation, d128 full (bf16), TFLOP/s:")
print()
abl = ["d128-full", "d128-full-nopp", "d128-full-nows", "d128-full-serial", "fa2-entry-d128-full"]
print("| seqlen | " + " | ".join(abl) + " | d128-full again (2nd pass) |")
print("|---|" + "---|" * (len(abl) + 1))
for s in (512, 1024, 2048, 4096, 8192, 16384):
    vals = [f"{ours[(a, 128, 'full', s)]:.1f}" for a in abl]
    print(f"| {s} | " + " | ".join(vals) + f" | {again.get(('d128-full', 128, 'full', s), float('nan')):.1f} |")
print()
print("Other variants (TFLOP/s):")
print()
other = ["d64-full", "d64-causal", "d64-full-bn192", "d64-causal-bn192", "f16-d128-full", "f16-d64-causal-3wg"]
print("| seqlen | " + " | ".join(other) + " |")
print("|---|" + "---|" * len(other))
for s in (512, 1024, 2048, 4096, 8192, 16384):
    vals = []
    for a in other:
        d = 128 if "d128" in a else 64
        m = "causal" if "causal" in a else "full"
        vals.append(f"{ours[(a, d, m, s)]:.1f}")
    print(f"| {s} | " + " | ".join(vals) + " |")
