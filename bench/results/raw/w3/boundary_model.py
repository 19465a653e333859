"""A turn-level model of the persistent two-warpgroup schedule at d128 (session 9, issue 9).

Each consumer warpgroup runs a sequence of turns; a turn issues its GEMMs (S_j and P_{j-1}
V_{j-1}) and lasts as long as they run (hprof: a warp's "head" lasts about as long as its
GEMMs); after it the warpgroup runs the softmax of S_j (X cycles), and after its tile's last
P V the epilogue (E) and the next tile's decode (N). A tile's first S waits for its Q, loaded
L_q after the last S GEMM that read the buffer. Costs from hprof (session 7) and the lean
epilogue (hepi). Turn policies: "pingpong" = strict alternation (main: named barriers, turns
carried across tiles); "mutex" = whoever is ready takes the tensor pipe (an upper bound for
relaxing the alternation at the boundary). Tilings: "aligned" = main (both warpgroups on the same
128 rows and key blocks; kHalfEdges: one warpgroup's first / last P V half size); "shifted" =
tiles 64 rows off the key blocks, one more block a tile, each warpgroup skipping the block its
rows do not see (WG0 its first, WG1 its last), Q per 64-row half.

    python3 boundary_model.py
"""
G_S, G_PV = 512, 512  # one warpgroup's S and P V GEMM over a 128-key block (tensor cycles)
X, X_MASK = 1418, 1750  # softmax (+ rescale, convert) of an unmasked / masked block, per warp
E, N, L_Q = 600, 100, 1200  # epilogue, next tile's decode, Q's load latency after release


def warpgroup_turns(w, tiles, n, shifted):
    out = []
    for t in range(tiles):
        if shifted:
            real = list(range(1, n + 1)) if w == 0 else list(range(0, n))
            vis = list(range(n + 1))
        else:
            real = vis = list(range(n))
        half = real[0] if w == 1 else real[-1]  # kHalfEdges: this warpgroup's half-size P V
        prev = None
        for v in vis:
            if v not in real:
                if prev is None:
                    out.append(dict(g=0, sm=0, tile=t, first=False, last_s=False, skip=True))
                continue  # a skipped last block: its turn would hold only P_{j-1} V (below)
            g = G_S + (0 if prev is None else (G_PV // 2 if prev == half else G_PV))
            masked = v in (real[0], real[-1])
            out.append(dict(g=g, sm=X_MASK if masked else X, tile=t, first=v == real[0],
                            last_s=v == real[-1], skip=False))
            prev = v
        out.append(dict(g=G_PV // 2 if prev == half else G_PV, sm=E + N, tile=t, first=False,
                        last_s=False, skip=False))
        if shifted and w == 1:
            out.append(dict(g=0, sm=0, tile=t, first=False, last_s=False, skip=True))
    return out


def simulate(tiles, n, shifted, policy):
    seq = {w: warpgroup_turns(w, tiles, n, shifted) for w in (0, 1)}
    assert len(seq[0]) == len(seq[1]) or policy == "mutex"
    idx = {0: 0, 1: 0}
    ready = {0: 0.0, 1: 0.0}
    pipe_free = 0.0
    last_w = 1  # pingpong: WG0 goes first
    q_release, busy, now = {}, 0.0, 0.0
    while idx[0] < len(seq[0]) or idx[1] < len(seq[1]):
        cands = []
        for w in (0, 1):
            if idx[w] >= len(seq[w]):
                continue
            tr = seq[w][idx[w]]
            t0 = ready[w]
            if tr["first"] and tr["tile"] > 0:
                t0 = max(t0, q_release[(tr["tile"] - 1, w if shifted else 0)] + L_Q)
            if tr["skip"]:
                t0 = 0.0  # a skipped turn is passed on at once (arrive ahead)
            cands.append((max(t0, pipe_free), w, tr))
        if policy == "pingpong":
            w = 1 - last_w
            c = [x for x in cands if x[1] == w]
            if not c:
                c = cands
            start, w, tr = c[0]
        else:
            start, w, tr = min(cands, key=lambda x: (x[0], x[1]))
        last_w = w
        end = start + tr["g"]
        busy += tr["g"]
        if tr["g"]:
            pipe_free = end
        if tr["last_s"]:
            key = (tr["tile"], w if shifted else 0)
            q_release[key] = max(q_release.get(key, 0.0), end)
        if not tr["skip"]:
            ready[w] = end + tr["sm"]
        idx[w] += 1
        now = max(now, ready[w], end)
    return now, busy


def main():
    tiles = 32
    for n in (9, 33, 64):
        for pol in ("pingpong", "mutex"):
            for name, shifted in (("aligned", False), ("shifted", True)):
                cyc, busy = simulate(tiles, n, shifted, pol)
                print(f"n={n:2d} {pol:8s} {name:8s} {cyc / tiles:8.0f} cycles a tile, "
                      f"pipe busy {busy / cyc:.3f}")


if __name__ == "__main__":
    main()
