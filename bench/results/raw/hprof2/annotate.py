"""hprof: joins ncu's per-SASS-instruction source counters (sass-<case>.csv, `ncu -i R --page source
--csv --print-source sass`) with `nvdisasm -gi` of the same entry's cubin (built here with the
driver's flags: file:line and the fa3_fwd.cuh line it is inlined at) into one annotated listing
per case: offset, executions, samples, the three largest stall reasons, fa3_fwd.cuh line, SASS
(committed gzipped as sass-<case>.tsv.gz). The disassembly: nvcc -cubin with build.sh's flags, then
`nvdisasm -gi -c` (PyPI nvidia-cuda-nvdisasm here). usage: annotate.py DISASM CSV OUT"""
import csv
import re
import sys


def disasm(path):
    out, cur = [], None
    for line in open(path):
        m = re.match(r'\s*//## File "([^"]+)", line (\d+)(?: inlined at "([^"]+)", line (\d+))?', line)
        if m:
            f, ln, fi, li = m.groups()
            if f.endswith("fa3_fwd.cuh"):
                cur = int(ln)
            elif fi and fi.endswith("fa3_fwd.cuh"):
                cur = int(li)
            else:
                cur = None
            continue
        m = re.match(r"\s*/\*([0-9a-f]{4,})\*/\s+(.*?)\s*;?\s*$", line)
        if m:
            out.append((int(m.group(1), 16), m.group(2).rstrip(" ;"), cur))
    return out


def sass(path):
    rows = list(csv.reader(open(path)))
    hdr = rows[1]
    res = []
    for r in rows[2:]:
        if len(r) != len(hdr):
            continue
        d = dict(zip(hdr, r))
        res.append(d)
    return hdr, res


def main():
    dis = disasm(sys.argv[1])
    hdr, rows = sass(sys.argv[2])
    base = int(rows[0]["Address"], 16)
    stalls = [h for h in hdr if h.startswith("stall_") and "Not Issued" not in h]
    by_off = {o: (ins, ln) for o, ins, ln in dis}
    bad = 0
    with open(sys.argv[3], "w") as f:
        f.write("off\texec\tsamples\tnot_issued\ttop_stalls\tline\tsass\n")
        for d in rows:
            off = int(d["Address"], 16) - base
            ins, ln = by_off.get(off, ("?", None))
            src = " ".join(d["Source"].split())
            if " ".join(ins.split()).split(" ")[0:2] != src.split(" ")[0:2]:
                bad += 1
            st = sorted(((int(d[s] or 0), s[6:]) for s in stalls), reverse=True)
            top = ",".join(f"{n}:{v}" for v, n in st[:3] if v > 0)
            f.write(f"{off:05x}\t{d['Instructions Executed']}\t{d['Warp Stall Sampling (All Samples)']}\t"
                    f"{d['Warp Stall Sampling (Not-issued Samples)']}\t{top}\t{ln}\t{src}\n")
    print(f"{sys.argv[2]}: {len(rows)} instructions, {len(dis)} in the disassembly, {bad} mismatched")


if __name__ == "__main__":
    main()
