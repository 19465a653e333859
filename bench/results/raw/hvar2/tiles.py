"""Computed 128 x 128 tiles (query block x visited key block, fa3_fwd.cuh's tile_at) and visible
(query, key) pairs of each mask at sq = sk = seqlen, bottom-right aligned: the geometric ceiling
of `x plain` (visible pairs per computed tile, over the plain kernel's) and the tile-normalized
ratio (time per computed tile, plain's over the variant's) from measured times.

    python3 tiles.py                      # the ceilings
    python3 tiles.py VARIANT_MS PLAIN_MS VARIANT [PLAIN]  # one tile-normalized ratio
"""
import sys

BM = BN = 128
MASKS = {  # name: (causal, left, right)
    "plain-causal": (True, None, None),
    "plain-full": (False, None, None),
    "w1024_0": (True, 1024, 0),
    "w256_256": (False, 256, 256),
}


def count(seqlen, causal, left, right):
    tiles = pairs = 0
    sq = sk = seqlen
    shift = sk - sq
    if causal:
        right = 0
    for row0 in range(0, sq, BM):
        rows = range(row0, min(row0 + BM, sq))
        n_end = (sk + BN - 1) // BN
        if right is not None:
            keys_seen = min(row0 + BM, sq) + shift + right
            n_end = 0 if keys_seen <= 0 else min(n_end, (keys_seen + BN - 1) // BN)
        kb0 = 0
        if left is not None:
            first = row0 + shift - left
            kb0 = 0 if first <= 0 else min(first // BN, n_end)
        tiles += max(0, n_end - kb0)
        for i in rows:
            hi = sk - 1 if right is None else min(sk - 1, i + shift + right)
            lo = 0 if left is None else max(0, i + shift - left)
            pairs += max(0, hi - lo + 1)
    return tiles, pairs


def main():
    seqlen = 8192
    c = {k: count(seqlen, *v) for k, v in MASKS.items()}
    if len(sys.argv) >= 4:
        vms, pms, name = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
        plain = sys.argv[4] if len(sys.argv) > 4 else ("plain-full" if not MASKS[name][0] else "plain-causal")
        (vt, _), (pt, _) = c[name], c[plain]
        print(f"{name}: tile-normalized {(pms / pt) / (vms / vt):.3f}")
        return
    for k, (t, p) in c.items():
        plain = "plain-causal" if MASKS[k][0] else "plain-full"
        pt, pp = c[plain]
        print(f"{k:14s} tiles {t:6d} visible {p:10d} "
              f"pairs/tile {p / t / (BM * BN):.3f} ceiling x plain {(p / t) / (pp / pt):.3f}")


if __name__ == "__main__":
    main()
