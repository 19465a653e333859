"""Geometric ceilings of `x plain` for the window kernels (hwin, session 5): computed (query row,
key) pairs per visible pair, against the plain kernel's, at sq = sk = seqlen, bottom-right
aligned. `tile` is fa3_fwd.cuh before hwin (every visited 128 x 128 block whole, hvar2's
tiles.py); `half` is kHalfEdges (each consumer warpgroup's 64 rows run the tile's first and last
key block as one 64-key half where they see only that half, both GEMMs); `pv` is what was
committed (that half for the P V GEMM only, S whole: tensor work (S columns + P V columns) / 2);
`band` is the floor of any kernel
whose GEMMs have 64 rows (a wgmma's M): a 64-row band of a window of w keys spans w + 63 key
columns at any key granularity.

    python3 tiles.py [SEQLEN]
"""
import sys

BM, BN, WG = 128, 128, 64
MASKS = {  # name: (causal, left, right)
    "plain-causal": (True, None, None),
    "plain-full": (False, None, None),
    "w1024_0": (True, 1024, 0),
    "w256_256": (False, 256, 256),
}


def count(seqlen, causal, left, right):
    sq = sk = seqlen
    shift = sk - sq
    if causal:
        right = 0
    tile = half = pv = band = pairs = 0
    for row0 in range(0, sq, BM):
        n_end = (sk + BN - 1) // BN
        if right is not None:
            seen = min(row0 + BM, sq) + shift + right
            n_end = 0 if seen <= 0 else min(n_end, (seen + BN - 1) // BN)
        kb0 = 0
        if left is not None:
            first = row0 + shift - left
            kb0 = 0 if first <= 0 else min(first // BN, n_end)
        blocks = max(0, n_end - kb0)
        tile += blocks * BM * BN
        for w in range(BM // WG):
            r = row0 + WG * w + shift  # the warpgroup's first row, in key coordinates
            lo_b = -10**9 if left is None else r - left  # keys some row of the band sees
            hi_b = 10**9 if right is None else r + WG - 1 + right
            lo_b, hi_b = max(lo_b, 0), min(hi_b, sk - 1)
            band += WG * max(0, hi_b - lo_b + 1)

            def seen(a, b):
                return b >= lo_b and a <= hi_b

            for jb in range(kb0, n_end):
                cols = BN
                if (left is not None or (right is not None and not causal)) and jb in (kb0, n_end - 1):
                    lo, hi = seen(jb * BN, jb * BN + BN // 2 - 1), seen(jb * BN + BN // 2, jb * BN + BN - 1)
                    cols = BN if lo == hi else BN // 2
                half += WG * cols
                pv += WG * (BN + cols) / 2
        for i in range(row0, min(row0 + BM, sq)):
            hi = sk - 1 if right is None else min(sk - 1, i + shift + right)
            lo = 0 if left is None else max(0, i + shift - left)
            pairs += max(0, hi - lo + 1)
    return tile, half, pv, band, pairs


def main():
    seqlen = int(sys.argv[1]) if len(sys.argv) > 1 else 8192
    c = {k: count(seqlen, *v) for k, v in MASKS.items()}
    for k, (t, h, v, b, p) in c.items():
        pt, _, _, _, pp = c["plain-causal" if MASKS[k][0] else "plain-full"]
        plain = pp / pt  # the plain kernel computes whole 128 x 128 blocks
        print(f"{k:13s} visible/computed: tile {p / t:.3f} half {p / h:.3f} pv {p / v:.3f} "
              f"band {p / b:.3f}   ceiling x plain: tile {p / t / plain:.3f} "
              f"half {p / h / plain:.3f} pv {p / v / plain:.3f} band {p / b / plain:.3f}")


if __name__ == "__main__":
    main()
