"""Picks the build to keep from decode.py --json output: the geometric mean over the six cells of
its contiguous, paged-16 and paged-64 GB/s; a later candidate must beat the kept one by 1%."""
import json
import math
import sys

cells = json.load(open(sys.argv[1]))["cells"]
cands = sys.argv[2:]
score = {}
for k in cands:
    xs = [c["gbs"][n] for c in cells for n in (k, f"{k} p16", f"{k} p64")]
    score[k] = math.exp(sum(math.log(x) for x in xs) / len(xs))
best = cands[0]
for k in cands[1:]:
    if score[k] > 1.01 * score[best]:
        best = k
print("scores " + " ".join(f"{k} {v:.0f}" for k, v in score.items()), file=sys.stderr)
print(best)
