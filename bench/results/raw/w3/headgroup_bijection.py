"""A check of fa3_fwd.cuh's persistent tile order with kHeadGroup (session 9, review rev9).

The producer and the consumer warpgroups each walk tile_at(tile_index(k)) for k = 0, 1, ...
while tile_index(k) < n_tiles; every (query block, head, batch) must come up exactly once over
all blocks, or a tile's output is never written (or written twice). This models the kernel's
integer math line by line (every value is non-negative, so Python's // is C's /) and checks:

  1. tile_at's kHeadGroup branch maps [0, n_tiles) onto every (m_block, head, batch) exactly
     once, for both of its group sizes (hg = kHeadGroup when 2 m_blocks > gridDim.x, else 1),
     the last, smaller group included; exhaustive over small sizes, and for random large ones
     by a round trip through its inverse (t -> tile -> t and tile -> t -> tile) with every
     intermediate checked to fit an int32.
  2. With hg = 1 it is the committed order (the causal and the non-causal branch below it).
  3. Causal: the pairs of a group take turns per query block, longest first.
  4. The whole schedule: over blocks b < gridDim.x and rounds k, tile_at(tile_index(k))
     visits every tile once, for every gridDim.x from 1 to n_tiles (tile_index without
     kEvenTail, which the static_assert excludes).
  5. The shapes that should (not) take the grouped order on 132 SMs: tests/gpu's 8600-row
     two-head window case (full and SMALL: the same rows) and the benchmarks' 8k / 16k cells.

    python3 headgroup_bijection.py   (output: headgroup_bijection.txt)
"""
import random

INT32_MAX = 2**31 - 1


def tile_at(t, m_blocks, heads_q, batch, grid_x, head_group, causal):
    """fa3_fwd.cuh's tile_at, persistent, kHeadGroup > 0: (m_block, head, batch)."""
    hg = head_group if 2 * m_blocks > grid_x else 1
    n_hb = heads_q * batch
    grp = t // (hg * m_blocks)
    gs = min(hg, n_hb - grp * hg)
    u = t - grp * hg * m_blocks
    hb = grp * hg + u % gs
    m_block = m_blocks - 1 - u // gs if causal else u // gs
    return m_block, hb % heads_q, hb // heads_q


def tile_at_committed(t, m_blocks, heads_q, causal):
    """The branches without kHeadGroup (persistent): the order before session 9."""
    if causal:
        hb = t // m_blocks
        m_block = m_blocks - 1 - (t - hb * m_blocks)
        return m_block, hb % heads_q, hb // heads_q
    m_block = t % m_blocks
    rest = t // m_blocks
    return m_block, rest % heads_q, rest // heads_q


def tile_of(m_block, head, b, m_blocks, heads_q, batch, hg, causal):
    """The inverse of tile_at for a given group size hg."""
    n_hb = heads_q * batch
    hb = b * heads_q + head
    grp = hb // hg
    gs = min(hg, n_hb - grp * hg)
    i = m_blocks - 1 - m_block if causal else m_block
    return grp * hg * m_blocks + i * gs + (hb - grp * hg)


def tile_index(k, b, grid_x, causal):
    """fa3_fwd.cuh's tile_index, persistent, without kEvenTail."""
    return k * grid_x + (grid_x - 1 - b if causal and k & 1 else b)


def grid_for(m_blocks, heads_q, batch, sms):
    """fa3_fwd_launch: min(tiles, SMs) blocks."""
    return min(m_blocks * heads_q * batch, sms)


def check_tile_at(m_blocks, heads_q, batch, grid_x, head_group, causal):
    n_tiles = m_blocks * heads_q * batch
    hg = head_group if 2 * m_blocks > grid_x else 1
    seen = set()
    prev = None
    for t in range(n_tiles):
        tile = tile_at(t, m_blocks, heads_q, batch, grid_x, head_group, causal)
        m_block, head, b = tile
        assert 0 <= m_block < m_blocks and 0 <= head < heads_q and 0 <= b < batch, tile
        assert tile not in seen, ("twice", tile)
        seen.add(tile)
        assert tile_of(*tile, m_blocks, heads_q, batch, hg, causal) == t
        if hg == 1:
            assert tile == tile_at_committed(t, m_blocks, heads_q, causal)
        # within a group, query blocks never go back (causal: longest first), and the pairs
        # of a group come in turn (pair index rising within one query block)
        grp = t // (hg * m_blocks)
        if prev is not None and prev[0] == grp:
            pm, ph = prev[1], prev[2]
            hb = b * heads_q + head
            step = -1 if causal else 1
            assert ((m_block == pm and hb == ph + 1)
                    or (m_block == pm + step and hb == grp * hg)), (t, tile)
        prev = (grp, m_block, b * heads_q + head)
    assert len(seen) == n_tiles
    return hg


def check_schedule(m_blocks, heads_q, batch, grid_x, head_group, causal):
    n_tiles = m_blocks * heads_q * batch
    count = {}
    for b in range(grid_x):
        k = 0
        while tile_index(k, b, grid_x, causal) < n_tiles:
            tile = tile_at(tile_index(k, b, grid_x, causal), m_blocks, heads_q, batch, grid_x,
                           head_group, causal)
            count[tile] = count.get(tile, 0) + 1
            k += 1
    assert len(count) == n_tiles and all(c == 1 for c in count.values())


def check_large(rng, n_cases, head_group, bm):
    """Random large shapes: seqlen_q, heads_q, batch within the launcher's bounds (int seqlen,
    heads and batch <= 65535, tiles <= INT32_MAX), t and tiles by round trip; then the extremes."""
    worst = 0
    done = 0
    while done < n_cases:
        seqlen_q = rng.choice([rng.randint(1, 70000), rng.randint(1, INT32_MAX)])
        m_blocks = (seqlen_q + bm - 1) // bm
        heads_q = rng.choice([1, 2, 3, 8, 16, 17, 32, 64, rng.randint(1, 65535)])
        batch = rng.choice([1, 2, 3, rng.randint(1, 65535)])
        n_tiles = m_blocks * heads_q * batch
        if n_tiles > INT32_MAX:
            continue  # the launcher returns cudaErrorInvalidValue
        causal = rng.random() < 0.5
        sms = rng.choice([132, 114, 78, 1, rng.randint(1, 1000)])
        grid_x = grid_for(m_blocks, heads_q, batch, sms)
        hg = head_group if 2 * m_blocks > grid_x else 1
        n_hb = heads_q * batch
        # the kernel's int intermediates: 2 m_blocks, hg m_blocks, grp hg m_blocks (<= t)
        worst = max(worst, 2 * m_blocks, hg * m_blocks, n_hb)
        ts = [0, n_tiles - 1] + [rng.randrange(n_tiles) for _ in range(50)]
        last_grp = (n_hb - 1) // hg
        ts += [min(n_tiles - 1, last_grp * hg * m_blocks + d) for d in range(4)]
        for t in ts:
            tile = tile_at(t, m_blocks, heads_q, batch, grid_x, head_group, causal)
            m_block, head, b = tile
            assert 0 <= m_block < m_blocks and 0 <= head < heads_q and 0 <= b < batch
            assert tile_of(*tile, m_blocks, heads_q, batch, hg, causal) == t
        for _ in range(50):
            tile = (rng.randrange(m_blocks), rng.randrange(heads_q), rng.randrange(batch))
            t = tile_of(*tile, m_blocks, heads_q, batch, hg, causal)
            assert 0 <= t < n_tiles
            assert tile_at(t, m_blocks, heads_q, batch, grid_x, head_group, causal) == tile
        done += 1
    # the extremes: the longest int seqlen_q (hg m_blocks at its largest) and the most pairs
    for seqlen_q, heads_q, batch in ((INT32_MAX, 1, 1), (INT32_MAX, 2, 1), (1, 65535, 32768)):
        m_blocks = (seqlen_q + bm - 1) // bm
        n_tiles = m_blocks * heads_q * batch
        assert n_tiles <= INT32_MAX
        for causal in (False, True):
            grid_x = grid_for(m_blocks, heads_q, batch, 132)
            hg = head_group if 2 * m_blocks > grid_x else 1
            worst = max(worst, 2 * m_blocks, hg * m_blocks, heads_q * batch)
            for t in (0, 1, n_tiles // 2, n_tiles - 2, n_tiles - 1):
                tile = tile_at(t, m_blocks, heads_q, batch, grid_x, head_group, causal)
                assert tile_of(*tile, m_blocks, heads_q, batch, hg, causal) == t
    assert worst <= INT32_MAX
    return worst


def main():
    # 1-3: tile_at alone, every shape up to 70 query blocks (68: the tests/gpu case), 8 heads,
    # 4 batch entries, both group sizes (gridDim.x just below and at 2 m_blocks)
    n = 0
    by_hg = {1: 0, "grouped": 0}
    for head_group in (1, 2, 3, 4, 5, 7, 8, 16, 17, 32):
        for causal in (False, True):
            for m_blocks in range(1, 71):
                for heads_q in range(1, 9):
                    for batch in range(1, 5):
                        for grid_x in {2 * m_blocks - 1, 2 * m_blocks, 1, 132}:
                            hg = check_tile_at(m_blocks, heads_q, batch, grid_x, head_group,
                                               causal)
                            by_hg[1 if hg == 1 else "grouped"] += 1
                            n += 1
    print(f"tile_at: {n} shapes exhaustive (m_blocks 1..70, heads_q 1..8, batch 1..4, "
          f"kHeadGroup 1..32, causal and not): bijective; grouped {by_hg['grouped']}, "
          f"hg = 1 {by_hg[1]} (equal to the committed order)")

    # 4: the whole schedule, every gridDim.x from 1 to n_tiles
    n = 0
    for head_group in (1, 2, 3, 16):
        for causal in (False, True):
            for m_blocks in range(1, 17):
                for heads_q in range(1, 5):
                    for batch in range(1, 4):
                        for grid_x in range(1, m_blocks * heads_q * batch + 1):
                            check_schedule(m_blocks, heads_q, batch, grid_x, head_group, causal)
                            n += 1
    print(f"tile_at(tile_index(k)) over all blocks and rounds: {n} (shape, gridDim.x) "
          f"exhaustive (m_blocks 1..16, heads_q 1..4, batch 1..3, every gridDim.x 1..tiles, "
          f"kHeadGroup 1, 2, 3, 16): every tile once")

    # random large shapes
    rng = random.Random(9)
    for head_group, bm in ((16, 128), (16, 64)):
        worst = check_large(rng, 3000, head_group, bm)
        print(f"random large shapes and the extremes, kHeadGroup {head_group}, BM {bm}: 3000 "
              f"shapes, round trips hold; largest of 2 m_blocks, hg m_blocks, heads_q batch: {worst} (< 2^31)")

    # 5: which shapes take the grouped order on 132 SMs (BM 128)
    print("on 132 SMs, BM 128 (x: grouped):")
    for name, seqlen_q, heads_q, batch in (
        ("tests/gpu window case (full: 8600 keys; SMALL: 1500)", 8600, 2, 1),
        ("variants_speed 8k (b2 s8192, 16 heads)", 8192, 16, 2),
        ("variants_speed 16k (b1 s16384, 16 heads)", 16384, 16, 1),
        ("threshold: 66 query blocks", 66 * 128, 2, 1),
        ("threshold: 67 query blocks", 66 * 128 + 1, 2, 1),
    ):
        m_blocks = (seqlen_q + 127) // 128
        grid_x = grid_for(m_blocks, heads_q, batch, 132)
        grouped = 2 * m_blocks > grid_x
        first_round = {tile_at(t, m_blocks, heads_q, batch, grid_x, 16, True)[1:]
                       for t in range(grid_x)}
        check_schedule(m_blocks, heads_q, batch, grid_x, 16, True)
        print(f"  {'x' if grouped else ' '} {name}: {m_blocks} query blocks, "
              f"{m_blocks * heads_q * batch} tiles, gridDim.x {grid_x}; the first round "
              f"covers {len(first_round)} (head, batch) pairs")


if __name__ == "__main__":
    main()
