"""hop12's model of the persistent causal order (fa3_fwd.cuh tile_index): per-block work of
main's alternating rounds ("snake") and of kEvenTail, a tile costing c0 + its key blocks, over
the causal FA3-grid cells (16k tokens; d64: 32 heads, d128: 16) and some odd shapes; and a check
that kEvenTail's order is a bijection for many (tiles, blocks). Prints the busiest block over
the mean.    python3 sim.py"""


def snake(n, m, G):
    return lambda k, b: k * G + ((G - 1 - b) if k & 1 else b)


def even_tail(n, m, G):  # the kernel's integer arithmetic, line for line
    snk = snake(n, m, G)
    rounds = (n + G - 1) // G
    if (2 * G) % m != 0 or rounds < 2:
        return snk
    ts = (rounds - 2) // 2 * 2 * G
    th = (n - ts) // m

    def f(k, b):
        p = snk(k, b)
        if p < ts or p >= n:
            return p
        u = p - ts
        return ts + (u % th) * m + u // th
    return f


def tiles_of(n, G, order):
    per = []
    for b in range(G):
        k, ts = 0, []
        while (t := order(k, b)) < n:
            ts.append(t)
            k += 1
        per.append(ts)
    return per


def worst(n, m, G, order, c0):
    loads = [sum(c0 + m - t % m for t in ts) for ts in tiles_of(n, G, order)]
    return max(loads) / ((n * (m + 1) / 2 + n * c0) / G)


cells = [(f"d{d} {s}", (s // 128) * h * (16384 // s), s // 128)
         for d, h in ((64, 32), (128, 16)) for s in (512, 1024, 2048, 4096, 8192)]
cells += [(f"odd m={m} heads={hb}", m * hb, m) for m, hb in ((4, 33), (4, 1000), (8, 77), (2, 31), (4, 37), (8, 500), (2, 999))]
for c0 in (0.5, 1.0):
    print(f"c0 = {c0}: busiest block / mean, main's order -> kEvenTail")
    for name, n, m in cells:
        G = min(132, n)
        print(f"  {name:22s} {worst(n, m, G, snake(n, m, G), c0):.4f} -> {worst(n, m, G, even_tail(n, m, G), c0):.4f}")
bad = 0
for m in range(1, 70):
    for hb in list(range(1, 60)) + [128, 256, 1000, 1024]:
        for sms in (132, 78, 16):
            n = m * hb
            G = min(n, sms)
            got = sorted(t for ts in tiles_of(n, G, even_tail(n, m, G)) for t in ts)
            bad += got != list(range(n))
print("bijection check: failures", bad)
