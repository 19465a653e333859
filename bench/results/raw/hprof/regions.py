"""hprof: the annotated listings (annotate.py) summed over code regions of the tile (offset ranges
below, read off blocks.py's runs and the fa3_fwd.cuh lines of each entry's SASS), as cycles per
tile per consumer warp: samples x sampling interval x average active warps / (tiles x 8 consumer
warps); the producer's region per tile for its one warp (x 8). With the top stall reasons.
usage: regions.py (prints the tables of cases a, b, c)"""
import collections
import csv
import gzip
import os

HERE = os.path.dirname(os.path.abspath(__file__))
TILES = 2048  # every case: 32 x 16 x 4 = 2 x 16 x 64 query tiles of 128 rows
CONSUMER_WARPS = 8

# [lo, hi) SASS offsets -> region, per binary
FULL = [
    (0x00000, "setup (once per CTA)"), (0x00BE0, "T1 Q wait (q_full)"), (0x00CB0, "T2 K_0 wait (k_full)"),
    (0x00FF0, "T3 turn wait before S_0"), (0x01050, "T4 S_0 issue"), (0x01480, "T5 S_0 wait"),
    (0x01490, "T6 S_0 release"), (0x02E70, "T7 softmax_0 + convert"), (0x043C0, "L  loop j>=1 (per tile)"),
    (0x07B90, "E1 last PV: V wait"), (0x07C90, "E2 last PV: turn wait"), (0x07CC0, "E3 last PV: issue"),
    (0x07DE0, "E4 last PV: wait"), (0x07E20, "E5 epi: row sums, 1/l, pack (+tile decode)"),
    (0x087E0, "E6 epi: tma_store_wait_read"), (0x08800, "E7 epi: bar 1"), (0x08870, "E8 epi: O -> smem (ST.E)"),
    (0x08B30, "E9 epi: membar + fence.proxy.async"), (0x08B50, "E10 epi: bar 2"), (0x08B70, "E11 epi: TMA store issue"),
    (0x08FB0, "N  next tile index"), (0x09030, "exit"), (0x090B0, "P  producer"), (0x0B6C0, "mbarrier retry loops"),
]
WIN = [
    (0x00000, "setup (once per CTA)"), (0x00B80, "T1 Q wait (q_full)"), (0x01100, "T2 K_0 wait (k_full)"),
    (0x01680, "T3 turn wait before S_0"), (0x01710, "T4 S_0 issue"), (0x01B40, "T5 S_0 wait"),
    (0x01B50, "T6 S_0 release"), (0x01BA0, "T7 softmax_0 + convert"), (0x07110, "L  loop j>=1 (per tile)"),
    (0x0D340, "E1 last PV: V wait"), (0x0D400, "E2 last PV: turn wait"), (0x0D440, "E3 last PV: issue"),
    (0x0D850, "E4 last PV: wait"), (0x0D870, "E5 epi: row sums, 1/l, pack (+tile decode)"),
    (0x0E1B0, "E6 epi: tma_store_wait_read"), (0x0E1D0, "E7 epi: bar 1"), (0x0E210, "E8 epi: O -> smem (ST.E)"),
    (0x0E440, "E9 epi: membar + fence.proxy.async"), (0x0E460, "E10 epi: bar 2"), (0x0E480, "E11 epi: TMA store issue"),
    (0x0E810, "N  next tile index"), (0x0E8B0, "exit"), (0x0E960, "P  producer"), (0x11180, "mbarrier retry loops"),
]


def raw(case):
    rows = list(csv.reader(gzip.open(os.path.join(HERE, f"raw-{case}.csv.gz"), "rt")))
    d = dict(zip(rows[0], rows[2]))
    unit = dict(zip(rows[0], rows[1]))
    g = lambda k: float(d[k].replace(",", ""))  # noqa: E731
    return {"interval": g("smsp__pcsamp_interval_cycles"), "warps": g("sm__warps_active.avg.per_cycle_active"),
            "cycles": g("sm__cycles_active.avg"), "tensor": g("sm__pipe_tensor_cycles_active.avg.pct_of_peak_sustained_active"),
            "samples": g("smsp__pcsamp_sample_count"), "time": f"{float(d['gpu__time_duration.sum']):.4g} {unit['gpu__time_duration.sum']}"}


def region_of(table, off):
    name = table[0][1]
    for lo, n in table:
        if off >= lo:
            name = n
    return name


def summarize(case, table, blocks_per_tile):
    m = raw(case)
    f = m["interval"] * m["warps"] / (TILES * CONSUMER_WARPS)
    smp, st = collections.Counter(), collections.defaultdict(collections.Counter)
    for line in gzip.open(os.path.join(HERE, f"sass-{case}.tsv.gz"), "rt"):
        x = line.rstrip("\n").split("\t")
        if x[0] == "off":
            continue
        r = region_of(table, int(x[0], 16))
        smp[r] += int(x[2])
        for kv in x[4].split(","):
            if kv:
                k, v = kv.split(":")
                st[r][k] += int(v)
    tile = m["cycles"] * 132 / TILES
    busy = m["tensor"] / 100 * tile
    print(f"- case {case}: {m['time']} (ncu), {m['cycles']:.0f} active cycles per SM, {tile:.0f} cycles a tile "
          f"({blocks_per_tile} key blocks, {tile / blocks_per_tile:.0f} a block); tensor pipe "
          f"{m['tensor']:.1f}% of active = {busy:.0f} busy, {tile - busy:.0f} idle a tile; warp-state "
          f"sampling every {m['interval']:.0f} cycles, {m['samples']:.0f} samples, {f:.3f} cycles a tile "
          f"per consumer warp per sample")
    cyc = {r: smp[r] * f * (CONSUMER_WARPS if r.startswith("P ") else 1) for r in smp}
    return cyc, st, tile - busy


def top(st, r):
    tot = sum(st[r].values()) or 1
    return ", ".join(f"{k} {100 * v / tot:.0f}%" for k, v in st[r].most_common(3))


if __name__ == "__main__":
    ca, sa, ia = summarize("a", FULL, 4)
    cb, sb, ib = summarize("b", FULL, 64)
    cc, sc, ic = summarize("c", WIN, 8.44)
    x = (ib - ia) / 60
    print(f"- idle fit over a and b (same binary, 2048 tiles each): {x:.0f} cycles per key block + "
          f"{ia - 4 * x:.0f} per tile; c's idle less 8.44 blocks x {x:.0f}: {ic - 8.44 * x:.0f} per tile")
    print()
    print("| region (full: a, b; window: c) | a: full 512 | b: full 8k | c: w1024_0 8k | b - a | "
          "stall reasons, b (c) |")
    print("|---|---:|---:|---:|---:|---|")
    for _, r in FULL:
        if r.startswith("mbarrier"):
            continue
        a, b, c = ca.get(r, 0), cb.get(r, 0), cc.get(r, 0)
        print(f"| {r}{' (producer warp)' if r.startswith('P ') else ''} | {a:.0f} | {b:.0f} | {c:.0f} | "
              f"{b - a:+.0f} | {top(sb, r)} ({top(sc, r)}) |")
    for lab, keys in (("tile start T1..T7", "T"), ("tile end E1..E11 + N", "EN")):
        sel = [r for _, r in FULL if r[0] in keys and r[1] in "0123456789 "]
        a, b, c = (sum(d.get(r, 0) for r in sel) for d in (ca, cb, cc))
        print(f"| **{lab}** | {a:.0f} | {b:.0f} | {c:.0f} | {b - a:+.0f} | |")
