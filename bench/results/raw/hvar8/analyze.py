"""hvar8: reads run.sh's logs (run1/hvar8-run.tgz unpacked) and prints (1) ncu's
counters of the four launches side by side, (2) per build at q x 1, the consumer's hot path
(SASS lines executed >= 400k times: once per unmasked key block and warp) in its address-
contiguous runs, and the stall samples of four regions of it, (3) the tier counts: MUFU.TANH
executions / 64 = warp-blocks through tanh.approx, the first degree-3 line's count, FFMA totals.

    tar -xzf run1/hvar8-run.tgz -C /tmp && python3 analyze.py /tmp/hvar8-logs
"""
import collections
import csv
import os
import re
import sys

f = lambda v: float(v.replace(",", "") or 0)  # noqa: E731
HOT = 400000
STALLS = ["wait", "dispatch", "barrier", "long_sb", "no_inst", "branch_resolving", "selected",
          "not_selected", "short_sb", "mio", "math", "lg", "imc", "drain", "membar", "misc", "sleep",
          "tex"]
# SASS line indices of each build's regions (read off the hot runs this script prints)
REGIONS = {"base": [("A loop head .. P V issue + wait", 2678, 2757), ("B polynomial test", 3409, 3500),
                    ("C degree-3 tier", 3593, 3913), ("D tail", 4473, 5083)],
           "WS": [("A loop head .. P V issue + wait", 1599, 1683), ("B polynomial test", 1684, 1767),
                  ("C degree-3 tier", 1860, 2180), ("D tail", 2830, 2933)]}
FIRST_DEG3 = {"base": 3593, "WS": 1860}


def rows(path):
    r = list(csv.reader(open(path, newline="")))
    return [dict(zip(r[1], x)) for x in r[2:] if len(x) >= len(r[1])]


def op(d):
    t = d["Source"].split()
    t = t[1:] if t and t[0].startswith("@") else t
    return t[0] if t else "?"


def counters(d):
    blocks, cur = [], None
    for line in open(os.path.join(d, "ncu-metrics.txt")):
        if "fa3_fwd_kernel" in line and "(132" in line:
            cur = {}
            blocks.append(cur)
            continue
        m = re.match(r"\s+(\S+)\s+(\S+)?\s+([\d,.]+)\s*$", line)
        if m and cur is not None:
            cur[m.group(1)] = m.group(3)
    print("counters: base q1, WS q1, base q4, WS q4")
    for k in blocks[0]:
        v = [b.get(k, "") for b in blocks]
        if not all(x in ("0", "0.00", "") for x in v):
            print(f"  {k:78s} " + " ".join(f"{x:>12s}" for x in v))


def hot(d):
    for nm in ("base", "WS"):
        R = rows(os.path.join(d, f"src-{nm}-q1.csv"))
        idx = [i for i, x in enumerate(R) if f(x["Instructions Executed"]) >= HOT]
        runs = []
        for i in idx:
            if runs and i == runs[-1][1] + 1:
                runs[-1][1] = i
            else:
                runs.append([i, i])
        print(f"{nm} q1: {len(R)} SASS lines, hot path {len(idx)} lines in runs "
              + ", ".join(f"{a}-{b}" for a, b in runs))
        total = sum(f(x["Warp Stall Sampling (All Samples)"]) for x in R)
        tot = collections.Counter()
        for x in R:
            for s in STALLS:
                tot[s] += f(x["stall_" + s])
        print(f"  all samples {total:.0f}: " + " ".join(f"{s}={tot[s]:.0f}" for s in STALLS)
              + f" unnamed(gmma: the source page has no column for it)={total - sum(tot.values()):.0f}")
        for lab, a, b in REGIONS[nm]:
            sel = [x for x in R[a:b + 1] if f(x["Instructions Executed"]) > 0]
            smp = sum(f(x["Warp Stall Sampling (All Samples)"]) for x in sel)
            named = {s: sum(f(x["stall_" + s]) for x in sel) for s in STALLS}
            print(f"  {lab:32s} {len(sel):4d} lines, samples {smp:6.0f}: "
                  + " ".join(f"{s}={v:.0f}" for s, v in named.items())
                  + f" unnamed(gmma)={smp - sum(named.values()):.0f}")


def tiers(d):
    for nm, p in (("base q1", "src-base-q1.csv"), ("WS q1", "src-WS-q1.csv"),
                  ("base q4", "src-q4-0.csv"), ("WS q4", "src-q4-1.csv")):
        R = rows(os.path.join(d, p))
        cnt = collections.Counter()
        for x in R:
            cnt[op(x)] += f(x["Instructions Executed"])
        redux = [f(x["Instructions Executed"]) for x in R if op(x).startswith("REDUX")]
        tanh = cnt["MUFU.TANH.F16"]
        print(f"{nm}: inst {sum(cnt.values()):.0f}, MUFU.TANH {tanh:.0f} ({tanh / 64:.0f} warp-blocks), "
              f"MUFU.EX2 {cnt['MUFU.EX2']:.0f}, FFMA {cnt['FFMA']:.0f}, REDUX (polynomial tests) {redux}, "
              f"first degree-3 line {f(R[FIRST_DEG3[nm.split()[0]]]['Instructions Executed']):.0f}")


if __name__ == "__main__":
    d = sys.argv[1]
    counters(d)
    hot(d)
    tiers(d)
