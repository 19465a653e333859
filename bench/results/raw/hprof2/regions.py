"""hprof2 (session 9; hprof's regions.py with the offsets of main 330bf27): the annotated listings
(annotate.py) summed over code regions of the tile (offset ranges below, read off blocks.py's runs and the fa3_fwd.cuh lines of each entry's SASS), as cycles per
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

# [lo, hi) SASS offsets -> region, per binary (main 330bf27, session 9: read off blocks.py's runs
# and the SASS of each region: raw/hprof2/blocks-full.txt, blocks-c.txt). Tile start: the next
# tile's decode is interleaved into the window's T1 (and the full kernel's E5/E11); the window's
# 1 / l (fa3_row_inv, lean epilogue) lands after the last P V's wait (E5), the full kernel's
# between its HGMMAs (E3).
FULL = [
    (0x00000, "setup (once per CTA)"), (0x009D0, "T1 Q wait (q_full) + O zero"), (0x00CF0, "T2 K_0 wait (k_full)"),
    (0x00DD0, "T3 turn wait before S_0"), (0x00E40, "T4 S_0 issue"), (0x01310, "T5 S_0 wait"),
    (0x01320, "T6 S_0 release"), (0x01360, "T7 softmax_0 + convert"), (0x04450, "L  loop j>=1 (per tile)"),
    (0x07CB0, "E1 last PV: V wait"), (0x07DF0, "E2 last PV: turn wait"), (0x07E50, "E3 last PV: issue"),
    (0x08010, "E4 last PV: wait"), (0x08020, "E5 epi: 1/l, O x 1/l, pack (+tile decode)"),
    (0x08650, "E6 epi: tma_store_wait_read"), (0x08670, "E7 epi: bar 1"), (0x086C0, "E8 epi: O -> smem (STSM)"),
    (0x088D0, "E9 epi: membar + fence.proxy.async"), (0x08900, "E10 epi: bar 2"), (0x08940, "E11 epi: TMA store issue"),
    (0x08D60, "N  next tile index"), (0x08DE0, "exit"), (0x08E60, "P  producer"), (0x0B640, "mbarrier retry loops"),
]
WIN = [
    (0x00000, "setup (once per CTA)"), (0x009F0, "T1 Q wait (q_full) + O zero"), (0x01210, "T2 K_0 wait (k_full)"),
    (0x014B0, "T3 turn wait before S_0"), (0x01580, "T4 S_0 issue"), (0x01A40, "T5 S_0 wait"),
    (0x01A50, "T6 S_0 release"), (0x01A90, "T7 softmax_0 + convert"), (0x07000, "L  loop j>=1 (per tile)"),
    (0x0D3A0, "E1 last PV: V wait"), (0x0D470, "E2 last PV: turn wait"), (0x0D4B0, "E3 last PV: issue"),
    (0x0D910, "E4 last PV: wait"), (0x0D920, "E5 epi: 1/l, O x 1/l, pack (+tile decode)"),
    (0x0DF40, "E6 epi: tma_store_wait_read"), (0x0DF60, "E7 epi: bar 1"), (0x0DFB0, "E8 epi: O -> smem (STSM)"),
    (0x0E150, "E9 epi: membar + fence.proxy.async"), (0x0E170, "E10 epi: bar 2"), (0x0E190, "E11 epi: TMA store issue"),
    (0x0E510, "N  next tile index"), (0x0E5D0, "exit"), (0x0E650, "P  producer"), (0x10620, "mbarrier retry loops"),
]
# single instructions where a wait's samples pile up (the try-wait's branch, the barrier's
# stalled successor): the wait itself, apart from its region's other work
WAITS = {
    "FULL": [(0x00A80, "Q wait: q_full try-wait branch"), (0x00DC0, "K_0 wait: k_full try-wait branch"),
             (0x00E30, "turn wait before S_0 (BAR.SYNC's successor)"), (0x07DE0, "last V wait: v_full try-wait branch"),
             (0x07E30, "turn wait before the last P V")],
    "WIN": [(0x00F50, "Q wait: q_full try-wait branch"), (0x014A0, "K_0 wait: k_full try-wait branch"),
            (0x01530, "turn wait before S_0 (BAR.SYNC's successor)"), (0x0D460, "last V wait: v_full try-wait branch"),
            (0x0D4A0, "turn wait before the last P V")],
}
# q_full's try-wait retry loop: [first try-wait, the loop's exit branch]
RETRY = {"FULL": (0x0B640, 0x0B670), "WIN": (0x10620, 0x10650)}
# softmax_0's code paths (first instruction's executions = warps x tiles taking it)
PATHS = {
    "FULL": [((0x01360, 0x02D00), "softmax_0, masked path (not taken)"), ((0x02D00, 0x03E20), "softmax_0 unmasked"),
             ((0x03E20, 0x04450), "convert_p (P to bf16)"),
             ((0x04450, 0x04AC0), "loop: K wait, turn, S_j + P V_{j-1} issue, S wait, release"),
             ((0x06510, 0x07CB0), "loop: softmax_j + wait<0> + rescale + convert")],
    "WIN": [((0x01A90, 0x02C10), "softmax_0 unmasked (tiles 1..7: block 0 whole)"),
            ((0x02CE0, 0x04B10), "softmax_0 masked, whole block (window edge, WG0)"),
            ((0x04B10, 0x05B40), "softmax_0 masked, half block (window edge, WG1: kHalfEdges)"),
            ((0x05B40, 0x06BD0), "softmax_0 masked half, other half"),
            ((0x06BD0, 0x07000), "convert_p (P to bf16)"),
            ((0x07000, 0x07B40), "loop: K wait, turn, S_j + P V_{j-1} issue, S wait, release"),
            ((0x07B40, 0x08CE0), "loop: softmax_j unmasked"),
            ((0x08D10, 0x0AC00), "loop: softmax_j masked whole (diagonal block, WG1)"),
            ((0x0BC50, 0x0CD00), "loop: softmax_j masked half (diagonal block, WG0)"),
            ((0x0CD00, 0x0D3A0), "loop: wait<0>, release, rescale, convert")],
}


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


def per_off(case):
    res = {}
    for line in gzip.open(os.path.join(HERE, f"sass-{case}.tsv.gz"), "rt"):
        x = line.rstrip("\n").split("\t")
        if x[0] != "off":
            res[int(x[0], 16)] = (int(x[1]), int(x[2]))
    return res


def details(case, kind):
    """the wait instructions' cycles a tile per consumer warp, and softmax_0's paths: cycles per
    execution (per warp) and a tile per consumer warp"""
    m = raw(case)
    f = m["interval"] * m["warps"] / (TILES * CONSUMER_WARPS)
    po = per_off(case)
    print(f"- case {case}, waits (cycles a tile per consumer warp): " + "; ".join(
        f"{name} {po[o][1] * f:.0f}" for o, name in WAITS[kind]))
    lo, hi = RETRY[kind]
    ex = [po[o][0] for o in sorted(po) if lo <= o < hi]
    smp = sum(v[1] for o, v in po.items() if lo <= o < hi)
    print(f"- case {case}, q_full's retry loop (try-wait timed out): entered {ex[-1]} times (consumer warps x "
          f"CTAs: 8 x 132 = 1056), {ex[0]} retries, {smp * f:.0f} cycles a tile per consumer warp (not in the table)")
    for (lo, hi), name in PATHS[kind]:
        smp = sum(v[1] for o, v in po.items() if lo <= o < hi)
        ex = max(v[0] for o, v in po.items() if lo <= o < hi)  # the path's body, not its entry
        per = smp * m["interval"] * m["warps"] / ex if ex else 0.0
        print(f"- case {case}, {name}: {ex} warp executions ({ex / (TILES * CONSUMER_WARPS):.2f} a tile-warp), "
              f"{per:.0f} cycles each, {smp * f:.0f} a tile per consumer warp")


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
    details("a", "FULL")
    details("b", "FULL")
    details("c", "WIN")
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
