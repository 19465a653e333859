"""hwin2: distinct K/V blocks (128 keys, K and V) that the tiles of one persistent round request at
each of their first steps, causal w1024_0 at b2 s8192 h16 (2048 tiles, 132 per round, the
kernel's order: (head, batch) outer, query blocks longest first), in key order (main) and with
kAlignedOrder (step j loads the block b = j mod n_blocks of the tile's range).

    python3 align.py [ROUND]
"""
import sys

G, MB, HB, LEFT_BLOCKS = 132, 64, 32, 8
tiles = [(hb, MB - 1 - k) for hb in range(HB) for k in range(MB)]


def block_range(m):
    kb0 = max(0, m - LEFT_BLOCKS)
    return kb0, m + 1 - kb0


def main():
    r = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    rnd = tiles[r * G:(r + 1) * G]
    for aligned in (False, True):
        counts = []
        for step in range(4):
            req = set()
            for hb, m in rnd:
                kb0, n = block_range(m)
                if step < n:
                    rot = (n - kb0 % n) % n if aligned else 0
                    req.add((hb, kb0 + (step + rot) % n))
            counts.append(len(req))
        print(f"{'aligned' if aligned else 'key order'}: round {r}, distinct blocks at steps 0..3: {counts}")


if __name__ == "__main__":
    main()
