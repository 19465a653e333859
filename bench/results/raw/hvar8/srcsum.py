"""hvar8: summary of an ncu source page (`ncu -i REP --page source --csv --print-source sass`):
per SASS opcode (with modifiers), the warp-level instructions executed and the warp stall
samples; the header's columns are found by name, so an unknown layout prints the header."""
import collections
import csv
import sys


def main(path):
    rows = list(csv.reader(open(path, newline="")))
    hi = next((i for i, r in enumerate(rows) if "Source" in r and "Address" in r), None)
    if hi is None:
        print(f"{path}: no header; first rows: {rows[:3]}")
        return
    hdr = rows[hi]
    print(f"{path}: {len(rows) - hi - 1} rows; columns: {hdr}")
    src = hdr.index("Source")
    col = lambda name: next((i for i, c in enumerate(hdr) if c == name), None)  # noqa: E731
    ex = col("Instructions Executed")
    smp = col("Warp Stall Sampling (All Samples)")
    nis = col("Warp Stall Sampling (Not-issued Samples)")
    num = lambda r, i: float(r[i].replace(",", "") or 0) if i is not None and i < len(r) else 0.0  # noqa: E731
    agg = collections.defaultdict(lambda: [0, 0.0, 0.0, 0.0])
    for r in rows[hi + 1:]:
        if len(r) <= src or not r[src].strip():
            continue
        t = r[src].split()
        if t and t[0].startswith("@"):
            t = t[1:]
        op = t[0] if t else "?"
        a = agg[op]
        a[0] += 1
        a[1] += num(r, ex)
        a[2] += num(r, smp)
        a[3] += num(r, nis)
    tot = [sum(a[i] for a in agg.values()) for i in range(4)]
    print(f"total: {tot[0]} sass lines, {tot[1]:.0f} inst executed, {tot[2]:.0f} samples, "
          f"{tot[3]:.0f} not-issued samples")
    for op, a in sorted(agg.items(), key=lambda kv: -kv[1][2])[:30]:
        print(f"  {op:28s} lines {a[0]:5d}  exec {a[1]:14.0f}  samples {a[2]:8.0f}  not-issued {a[3]:8.0f}")
    for op in sorted(agg):
        if op.startswith(("MUFU", "FFMA", "REDUX", "FMUL", "WARPGROUP", "HGMMA")):
            print(f"  {op:28s} exec {agg[op][1]:.0f}")


if __name__ == "__main__":
    for p in sys.argv[1:]:
        try:
            main(p)
        except Exception as e:  # keep the other reports' summaries
            print(f"{p}: {type(e).__name__}: {e}")
