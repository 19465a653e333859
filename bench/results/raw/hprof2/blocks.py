"""hprof: the annotated listings (annotate.py) of cases that share one binary, condensed into runs
of consecutive instructions with the same executions in every case: offsets, fa3_fwd.cuh lines,
executions and samples per case, the run's largest stall reasons, its notable instructions.
usage: blocks.py A.tsv [B.tsv ...]"""
import collections
import sys

K = ("HGMMA", "SYNCS", "BAR", "UTMA", "WARPGROUP", "FENCE", "UBLKCP", "STS", "MUFU.EX2", "SHFL", "EXIT", "RET", "BRA", "WARPSYNC", "ELECT", "USETMAXREG", "UTMASTG", "DEPBAR", "ARRIVES")


def load(p):
    rows = []
    for line in open(p):
        f = line.rstrip("\n").split("\t")
        if f[0] == "off":
            continue
        rows.append(f)
    return rows


def main():
    cases = [load(p) for p in sys.argv[1:]]
    n = len(cases[0])
    runs = []
    for i in range(n):
        key = tuple(c[i][1] for c in cases)
        if runs and runs[-1]["key"] == key:
            runs[-1]["rows"].append(i)
        else:
            runs.append({"key": key, "rows": [i]})
    for r in runs:
        rows = r["rows"]
        lines = sorted({cases[0][i][5] for i in rows if cases[0][i][5] != "None"}, key=int)
        smp = [sum(int(c[i][2]) for i in rows) for c in cases]
        st = collections.Counter()
        for c in cases[-1:]:
            for i in rows:
                for kv in c[i][4].split(","):
                    if kv:
                        k, v = kv.split(":")
                        st[k] += int(v)
        notable = []
        for i in rows:
            s = cases[0][i][6]
            op = s.split()[0] if not s.startswith("@") else s.split()[1]
            if any(op.startswith(k) for k in K):
                notable.append(op.split(".")[0] + ("." + op.split(".")[1] if "." in op else ""))
        nc = collections.Counter(notable)
        ln = lines[0] + "-" + lines[-1] if len(lines) > 1 else (lines[0] if lines else "-")
        print(f"{cases[0][rows[0]][0]}-{cases[0][rows[-1]][0]} n={len(rows):4d} L{ln:9s} exec={'/'.join(r['key'])} "
              f"smp={'/'.join(map(str, smp))} [{','.join(f'{k}:{v}' for k, v in st.most_common(3))}] "
              f"{' '.join(f'{k}x{v}' if v > 1 else k for k, v in nc.items())}")


if __name__ == "__main__":
    main()
