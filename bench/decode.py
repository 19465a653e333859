"""Decode attention on one GPU: qimeng's `dec-*` kernels against PyTorch SDPA (cuDNN and flash
backends) in one process, on identical inputs, and the card's streaming-read bandwidth.

    bash bench/build-decode.sh                          # here: .carry/decode
    python3 bench/decode.py --lib LIB --test            # correctness sweep (torch f32 reference)
    python3 bench/decode.py --lib LIB --bench --out decode.md
    python3 bench/decode.py --lib LIB --name k1 --alt-lib base=OTHER_LIB ... --test --bench
    ncu --nvtx --nvtx-include prof/ python3 bench/decode.py --lib LIB --profile

Several builds (--alt-lib NAME=PATH, e.g. A/B builds with EXTRA_NVCC_FLAGS) are tested and timed
in the same process, each on the contiguous and both paged layouts; with --probes also on three
layouts that separate page size from page scatter (16-key pages in pool order, 16-key pages in
shuffled 64-key runs, shuffled 32-key pages; a second table).

LIB is libqimeng_bench_ffi.so (the runtime's checked path, with its split heuristic) or a
library of the raw entry symbols (libqimeng_decode.so, built by bench/build.sh), which is
launched directly with the heuristic below.

The grid is ../shared/ANCHORS.md's: bf16, 32 query heads, 8 KV heads, head_dim 128, one query
token, batch 1/16/64, cache 4k/32k. GB/s counts the K and V bytes read (2 b L hkv d 2).
SDPA gets the contiguous cache with its 8 KV heads expanded to 32 (enable_gqa where the
backend takes it); its time is the attention call only. Ours runs the contiguous layout and
the paged layout (block size 16 and 64, pages in a random order over the pool).
Timing: CUDA events around K back-to-back calls (K = 20 for cells under 256 MiB, else 3),
queued behind a GPU sleep so host launch overhead never idles the GPU; backends interleaved
round-robin per repetition, input sets rotated (more than 4x L2 in all for the small cells);
before each timing (untimed) a read of 4x L2 of scratch memory, so that no backend finds what
the one timed before it read still in L2 (flash SDPA reads the contiguous cache that the first
library reads next: +3% for that library at b16 4k, bench/NOTES.md decode v9 continued);
median over repetitions of the per-call time.
"""
import argparse
import ctypes
import datetime
import json
import math
import statistics
import sys

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel


class DecodeArgs(ctypes.Structure):  # kernels-cache/include/qimeng/decode_abi.h
    _fields_ = [(n, ctypes.c_void_p) for n in
                ("q", "k", "v", "o", "lse", "block_table", "cache_seqlens", "workspace")] + \
               [(n, ctypes.c_int64) for n in
                ("q_batch_stride", "q_row_stride", "q_head_stride",
                 "k_page_stride", "k_row_stride", "k_head_stride",
                 "v_page_stride", "v_row_stride", "v_head_stride",
                 "o_batch_stride", "o_row_stride", "o_head_stride", "block_table_stride")] + \
               [(n, ctypes.c_int32) for n in
                ("batch", "seqlen_q", "heads_q", "heads_kv", "head_dim", "block_size",
                 "num_blocks", "max_seqlen_k", "num_splits", "causal")] + \
               [("softmax_scale", ctypes.c_float), ("reserved", ctypes.c_int32)]


MIN_SPLIT_TILES = 4  # qimeng_runtime::DECODE_MIN_SPLIT_TILES


def num_splits(batch, heads_kv, max_len, block_n, sms, per_sm):
    """Mirror of qimeng_runtime::num_splits (qimeng-runtime/src/decode.rs), the one source of
    truth, for the raw-symbol library; keep the two equal."""
    tiles = -(-max_len // block_n)
    base = max(batch, 1) * max(heads_kv, 1)
    slots = max(sms, 1) * max(per_sm, 1)
    if tiles <= 1 or base * 10 >= slots * 8:
        return 1
    most = max(1, min(slots // base, tiles // MIN_SPLIT_TILES, 256))
    per = -(-tiles // most)
    return -(-tiles // per)


def old_num_splits(batch, heads_kv, max_len, block_n, sms, per_sm):
    """The heuristic before decode v5 (wave efficiency within 85% of the best count), timed
    beside the current one."""
    tiles = -(-max_len // block_n)
    base = batch * heads_kv
    slots = sms * per_sm
    if tiles <= 1 or base >= slots * 0.8:
        return 1
    eff = [base * s / (-(-(base * s) // slots) * slots) for s in range(1, min(tiles, 256) + 1)]
    return next(s for s, e in enumerate(eff, 1) if e >= 0.85 * max(eff))


class Raw:
    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        self.sms = torch.cuda.get_device_properties(0).multi_processor_count
        self.ws = torch.empty(64 << 20, dtype=torch.uint8, device="cuda")

    def run(self, *args, **kw):
        call, splits = self.prepare(*args, **kw)
        call()
        return splits

    def prepare(self, key, q, k, v, o, lse=None, table=None, lens=None, max_len=None,
                causal=False, splits=None, scale=None):
        """The launch with its argument block built once: a call costs one ctypes call."""
        fn = getattr(self.lib, "qimeng_" + key.replace("-", "_"))
        fn.argtypes = [ctypes.POINTER(DecodeArgs), ctypes.c_void_p]
        b, sq, hq, d = q.shape
        hkv = k.shape[2]
        a = DecodeArgs()
        a.q, a.k, a.v, a.o = q.data_ptr(), k.data_ptr(), v.data_ptr(), o.data_ptr()
        a.lse = lse.data_ptr() if lse is not None else None
        a.block_table = table.data_ptr() if table is not None else None
        a.cache_seqlens = lens.data_ptr() if lens is not None else None
        a.q_batch_stride, a.q_row_stride, a.q_head_stride = q.stride()[:3]
        a.k_page_stride, a.k_row_stride, a.k_head_stride = k.stride()[:3]
        a.v_page_stride, a.v_row_stride, a.v_head_stride = v.stride()[:3]
        a.o_batch_stride, a.o_row_stride, a.o_head_stride = o.stride()[:3]
        a.block_table_stride = table.stride(0) if table is not None else 0
        a.batch, a.seqlen_q, a.heads_q, a.heads_kv, a.head_dim = b, sq, hq, hkv, d
        a.block_size = k.shape[1]
        a.num_blocks = k.shape[0]
        a.max_seqlen_k = max_len if max_len is not None else k.shape[1]
        bn = 32 if key.startswith("dec-t4") else 64
        a.num_splits = splits or num_splits(b, hkv, a.max_seqlen_k, bn, self.sms, 1)  # as the runtime
        # decode_abi.h: int32 split counters per (sequence, kv head), zero at launch (the
        # kernel leaves them zero), then the f32 partials. Zeroed here per prepared launch:
        # every call of one prepared launch then finds them zero.
        counters = -(-b * hkv * 4 // 16) * 16
        need = counters + a.num_splits * b * sq * hq * (d + 1) * 4
        if need > self.ws.numel():
            self.ws = torch.empty(need, dtype=torch.uint8, device="cuda")
        if a.num_splits > 1:
            self.ws[:counters].zero_()
        a.workspace = self.ws.data_ptr()
        a.causal = int(causal)
        a.softmax_scale = scale or 1 / math.sqrt(d)
        stream = ctypes.c_void_p(torch.cuda.current_stream().cuda_stream)
        ref = ctypes.byref(a)

        def call():
            rc = fn(ref, stream)
            if rc != 0:
                raise RuntimeError(f"{key}: launch returned {rc}")
        call.keep = (a, q, k, v, o, lse, table, lens)
        return call, a.num_splits


def reference(q, kc, vc, lens, causal, scale):
    """f32 attention per sequence over its first lens[b] keys (kc, vc: [b, L, hkv, d])."""
    b, sq, hq, d = q.shape
    hkv = kc.shape[2]
    out = torch.zeros(b, sq, hq, d, dtype=torch.float32, device=q.device)
    lse = torch.full((b, hq, sq), -math.inf, dtype=torch.float32, device=q.device)
    for i in range(b):
        L = int(lens[i])
        qq = q[i].float().transpose(0, 1)  # hq sq d
        kk = kc[i, :L].float().transpose(0, 1).repeat_interleave(hq // hkv, 0)
        vv = vc[i, :L].float().transpose(0, 1).repeat_interleave(hq // hkv, 0)
        s = qq @ kk.transpose(1, 2) * scale  # hq sq L
        if causal:
            qi = torch.arange(sq, device=q.device)[:, None]
            kj = torch.arange(L, device=q.device)[None, :]
            s = s.masked_fill(kj > qi + L - sq, -math.inf)
        m = s.amax(-1, keepdim=True)
        ok = torch.isfinite(m)
        p = torch.where(ok, torch.exp(s - torch.where(ok, m, 0)), torch.zeros_like(s))
        den = p.sum(-1, keepdim=True)
        o = torch.where(den > 0, (p @ vv) / den.clamp_min(1e-30), torch.zeros_like(qq))
        out[i] = o.transpose(0, 1)
        lse[i] = torch.where(den[..., 0] > 0, (torch.log(den) + m)[..., 0], -math.inf)
    return out, lse


def make_case(b, sq, hq, hkv, d, dtype, lens, page, shuffle=True, gen=None):
    """Random q and a cache holding lens[i] keys per sequence; paged (page > 0) or contiguous.
    Every stored key past a sequence's length (the rest of its rows, of its last page, the
    unused pages) is NaN: the kernel must never let one reach the output (masked P = 0 times a
    NaN row of V is NaN)."""
    dev = "cuda"
    L = max(lens)
    q = torch.randn(b, sq, hq, d, dtype=dtype, device=dev, generator=gen)
    kc = torch.randn(b, L, hkv, d, dtype=dtype, device=dev, generator=gen)
    vc = torch.randn(b, L, hkv, d, dtype=dtype, device=dev, generator=gen)
    for i in range(b):
        kc[i, lens[i]:] = float("nan")
        vc[i, lens[i]:] = float("nan")
    if page == 0:
        return q, kc, vc, kc, vc, None
    per = -(-L // page)
    pool_pages = b * per + 3
    kp = torch.full((pool_pages, page, hkv, d), float("nan"), dtype=dtype, device=dev)
    vp = torch.full_like(kp, float("nan"))
    order = torch.randperm(pool_pages, device=dev, generator=gen) if shuffle else torch.arange(pool_pages, device=dev)
    table = order[: b * per].view(b, per).to(torch.int32).contiguous()
    for i in range(b):
        for p in range(-(-lens[i] // page)):
            n = min(page, lens[i] - p * page)
            kp[table[i, p], :n] = kc[i, p * page: p * page + n]
            vp[table[i, p], :n] = vc[i, p * page: p * page + n]
    return q, kc, vc, kp, vp, table


def test(lib, keys):
    gen = torch.Generator(device="cuda")
    gen.manual_seed(1)
    cases = [  # b, sq, hq, hkv, lens, page, causal, lse, splits
        (1, 1, 1, 1, [1], 0, False, True, None),
        (3, 1, 8, 1, [1, 17, 1000], 16, False, True, None),
        (2, 1, 32, 8, [4096, 333], 64, False, True, None),
        (4, 4, 16, 2, [5, 100, 1, 77], 16, True, True, None),
        (2, 8, 64, 8, [130, 9], 16, True, True, 3),
        (2, 8, 8, 8, [2000, 2047], 0, True, False, None),
        (1, 2, 4, 1, [5000], 64, False, True, 7),
        (5, 1, 32, 8, [17, 1, 4096, 65, 64], 1, False, True, None),
        (2, 3, 24, 8, [3, 1000], 17, True, True, None),
        (2, 1, 8, 8, [1, 1], 16, True, True, 4),
        # Many splits, most of them empty for the short sequence (merge weights 0).
        (2, 1, 32, 8, [20000, 3], 16, False, True, 256),
        (3, 2, 16, 4, [700, 1, 64], 0, True, True, 40),
        # Grids of >= 2 blocks per SM: the wide tiles (128 keys) on 64- and 128-key pages.
        (2, 1, 32, 8, [3000, 129], 64, False, True, 64),
        (3, 1, 16, 8, [1000, 128, 385], 128, False, True, 16),
    ]
    fails = 0
    for key in keys:
        _, gpu, dt, dd = key.split("-")
        dtype = torch.bfloat16 if dt == "bf16" else torch.float16
        d = int(dd[1:])
        worst = (0.0, 0.0)
        for (b, sq, hq, hkv, lens, page, causal, want_lse, splits) in cases:
            q, kc, vc, kp, vp, table = make_case(b, sq, hq, hkv, d, dtype, lens, page, gen=gen)
            o = torch.full_like(q, float("nan"))
            lse = torch.full((b, hq, sq), float("nan"), device="cuda") if want_lse else None
            lt = torch.tensor(lens, dtype=torch.int32, device="cuda")
            scale = 1 / math.sqrt(d)
            call, s = lib.prepare(key, q, kp, vp, o, lse=lse, table=table, lens=lt,
                                  max_len=max(lens), causal=causal, splits=splits, scale=scale)
            call()
            # Again on fresh poison: the second launch finds the split counters as the first
            # left them (each merging block resets its own).
            o.fill_(float("nan"))
            if lse is not None:
                lse.fill_(float("nan"))
            call()
            torch.cuda.synchronize()
            ref, ref_lse = reference(q, kc, vc, lens, causal, scale)
            lowp, _ = reference(q, kc, vc, lens, causal, scale)
            lowp = lowp.to(dtype).float()
            err = (o.float() - ref).abs().max().item()
            base = (lowp - ref).abs().max().item()
            rel = ((o.float() - ref).norm() / ref.norm().clamp_min(1e-30)).item()
            ok = math.isfinite(err) and err <= 2 * base + 1e-3 and rel < (1e-2 if dt == "bf16" else 2e-3)
            if want_lse:
                fin = torch.isfinite(ref_lse)
                lerr = (lse[fin] - ref_lse[fin]).abs().max().item() if fin.any() else 0.0
                ok = ok and bool((torch.isinf(lse) == torch.isinf(ref_lse)).all()) and lerr < 1e-3
            worst = max(worst, (err, rel))
            if not ok:
                fails += 1
                print(f"FAIL {key} b{b} sq{sq} hq{hq} hkv{hkv} lens{lens} page{page} causal{causal} splits{s}: err {err:.3g} (bf16-ref {base:.3g}) rel {rel:.3g}", flush=True)
        print(f"{key}: {len(cases)} cases, worst max err {worst[0]:.3g} rel {worst[1]:.3g}", flush=True)
    print("decode tests:", "FAILED" if fails else "all passed", fails)
    return fails


def stream_bw():
    """Streaming read: sum over 4 GiB of bf16 (torch), and a copy."""
    x = torch.ones(2 << 30, dtype=torch.bfloat16, device="cuda")
    for _ in range(3):
        x.sum()
    ts = []
    for _ in range(20):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record(); x.sum(); b.record(); b.synchronize()
        ts.append(a.elapsed_time(b))
    del x
    return (4 << 30) / (statistics.median(ts) * 1e-3) / 1e9


def bench(libs, out, reps, json_out="", probes=False):
    """libs: [(name, Raw)], the first is "ours"; each is timed on the contiguous and both paged
    layouts, the first also at the old heuristic's and twice the heuristic's split count.
    probes: every library also on 16-key pages in pool order, 16-key pages in 64-key runs and
    shuffled 32-key pages (a second table)."""
    torch.manual_seed(0)
    hq, hkv, d = 32, 8, 128
    key = "dec-h100-bf16-d128"
    dtype = torch.bfloat16
    l2 = torch.cuda.get_device_properties(0).L2_cache_size
    scrub = torch.ones(l2, dtype=torch.float32, device="cuda")  # 4x L2 bytes, read before each timing
    lib = libs[0][1]
    rows = []
    bw = stream_bw()
    card = torch.cuda.get_device_name(0)
    for b in (1, 16, 64):
        for L in (4096, 32768):
            kvbytes = 2 * b * L * hkv * d * 2
            nsets = max(1, min(12, -(-4 * l2 // kvbytes)))
            sets = []
            for _ in range(nsets):
                q = torch.randn(b, 1, hq, d, dtype=dtype, device="cuda")
                kc = torch.randn(b, L, hkv, d, dtype=dtype, device="cuda")
                vc = torch.randn(b, L, hkv, d, dtype=dtype, device="cuda")
                sets.append((q, kc, vc))
            # paged copies (random page order) of every set
            paged = {}
            for page in (16, 64):
                ps = []
                for (q, kc, vc) in sets:
                    per = L // page
                    order = torch.randperm(b * per, device="cuda")
                    kp = torch.empty(b * per, page, hkv, d, dtype=dtype, device="cuda")
                    vp = torch.empty_like(kp)
                    kp[order] = kc.view(b * per, page, hkv, d)
                    vp[order] = vc.view(b * per, page, hkv, d)
                    table = order.view(b, per).to(torch.int32).contiguous()
                    ps.append((kp, vp, table))
                paged[page] = ps
            if probes:
                # Page scatter or page size: 16-key pages in pool order (the contiguous cache
                # itself, block table 0, 1, 2, ...: 16-row boxes at contiguous addresses), the
                # 64-key shuffled pool read as 16-key pages (16-row boxes, 128 KiB runs, as p64),
                # and shuffled 32-key pages.
                ident = torch.arange(b * (L // 16), device="cuda", dtype=torch.int32).view(b, L // 16)
                paged["16id"] = [(kc.view(-1, 16, hkv, d), vc.view(-1, 16, hkv, d), ident)
                                 for (_, kc, vc) in sets]
                paged["16g4"] = [(kp.view(-1, 16, hkv, d), vp.view(-1, 16, hkv, d),
                                  (t.long()[:, :, None] * 4 + torch.arange(4, device="cuda")).view(b, -1)
                                  .to(torch.int32).contiguous())
                                 for (kp, vp, t) in paged[64]]
                ps = []
                for (q, kc, vc) in sets:
                    per = L // 32
                    order = torch.randperm(b * per, device="cuda")
                    kp = torch.empty(b * per, 32, hkv, d, dtype=dtype, device="cuda")
                    vp = torch.empty_like(kp)
                    kp[order] = kc.view(b * per, 32, hkv, d)
                    vp[order] = vc.view(b * per, 32, hkv, d)
                    ps.append((kp, vp, order.view(b, per).to(torch.int32).contiguous()))
                paged[32] = ps
            lens = torch.full((b,), L, dtype=torch.int32, device="cuda")
            o = torch.empty(b, 1, hq, d, dtype=dtype, device="cuda")
            sdq = [s[0].transpose(1, 2) for s in sets]
            sdk = [s[1].transpose(1, 2) for s in sets]
            sdv = [s[2].transpose(1, 2) for s in sets]

            splits = lib.prepare(key, *sets[0], o, lens=lens, max_len=L)[1]
            # Is the heuristic well placed: the old heuristic's count and twice its own.
            alt = {"old": old_num_splits(b, hkv, L, 64, lib.sms, 1), "2s": min(256, 2 * splits)}
            calls = {}
            for name, lb in libs:
                calls[name] = [lb.prepare(key, q, kc, vc, o, lens=lens, max_len=L)[0] for (q, kc, vc) in sets]
                for page in paged:
                    calls[f"{name} p{page}"] = [
                        lb.prepare(key, sets[i][0], kp, vp, o, table=table, lens=lens, max_len=L)[0]
                        for i, (kp, vp, table) in enumerate(paged[page])]
            for n, s in alt.items():
                calls[f"{libs[0][0]} {n}"] = [lib.prepare(key, q, kc, vc, o, lens=lens, max_len=L, splits=s)[0]
                                              for (q, kc, vc) in sets]
            # 16-key pages at twice the splits: two blocks per SM where one would run alone.
            calls[f"{libs[0][0]} p16 2s"] = [
                lib.prepare(key, sets[i][0], kp, vp, o, table=table, lens=lens, max_len=L, splits=alt["2s"])[0]
                for i, (kp, vp, table) in enumerate(paged[16])]

            def ours(n):
                def f(i):
                    calls[n][i]()
                return f

            def sdpa(backend):
                def f(i):
                    with sdpa_kernel([backend]):
                        F.scaled_dot_product_attention(sdq[i], sdk[i], sdv[i], enable_gqa=True)
                return f

            def sdpa_expanded(backend):
                # The backend refused enable_gqa: the KV heads expanded to 32 beforehand (not
                # timed); GB/s still counts the 8 heads' bytes, as a GQA kernel reads them.
                ek = [t.repeat_interleave(hq // hkv, 1) for t in sdk[:1]]
                ev = [t.repeat_interleave(hq // hkv, 1) for t in sdv[:1]]
                def f(i):
                    with sdpa_kernel([backend]):
                        F.scaled_dot_product_attention(sdq[0], ek[0], ev[0])
                return f

            backends = {**{n: ours(n) for n in calls},
                        "cudnn": sdpa(SDPBackend.CUDNN_ATTENTION), "flash": sdpa(SDPBackend.FLASH_ATTENTION)}
            usable = {}
            for name, f in backends.items():
                try:
                    f(0); torch.cuda.synchronize(); usable[name] = f
                except Exception as e:  # a backend that refuses the shape is reported, not fatal
                    print(f"b{b} L{L}: {name} unavailable: {str(e)[:160]}", flush=True)
                    if name in ("cudnn", "flash"):
                        try:
                            g = sdpa_expanded(SDPBackend.CUDNN_ATTENTION if name == "cudnn" else SDPBackend.FLASH_ATTENTION)
                            g(0); torch.cuda.synchronize(); usable[name + "(expanded)"] = g
                        except Exception as e2:
                            print(f"b{b} L{L}: {name} expanded unavailable: {str(e2)[:160]}", flush=True)
            # correctness of every library (contiguous and paged) vs SDPA on this cell's set 0
            with sdpa_kernel([SDPBackend.CUDNN_ATTENTION, SDPBackend.FLASH_ATTENTION, SDPBackend.MATH]):
                theirs = F.scaled_dot_product_attention(sdq[0], sdk[0], sdv[0], enable_gqa=True).transpose(1, 2).float()
            diff = 0.0
            for n in calls:
                o.fill_(float("nan"))
                calls[n][0]()
                torch.cuda.synchronize()
                dn = (o.float() - theirs).abs().max().item()
                diff = dn if diff == diff and not dn <= diff else diff  # a NaN (unwritten output) sticks
            # K calls back to back per timing, queued behind a GPU sleep so that the host's
            # launch overhead (larger than a small cell's kernel) never leaves the GPU idle.
            k_calls = 20 if kvbytes < (256 << 20) else 3
            times = {n: [] for n in usable}
            names = list(usable)
            for r in range(reps):
                rot = names[r % len(names):] + names[:r % len(names)]
                for n in rot:
                    torch.cuda._sleep(8_000_000 if k_calls > 3 else 100_000)
                    scrub.sum()  # queued behind the sleep, before the start event: not timed
                    a, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                    a.record()
                    for c in range(k_calls):
                        usable[n]((r * k_calls + c) % nsets)
                    e.record()
                    times[n].append((a, e))
            torch.cuda.synchronize()
            med = {n: statistics.median([a.elapsed_time(e) / k_calls for a, e in ts]) for n, ts in times.items()}
            gbs = {n.replace("(expanded)", ""): kvbytes / (t * 1e-3) / 1e9 for n, t in med.items()}
            rows.append((b, L, gbs, diff, splits, alt))
            print(f"b{b} L{L}: " + "  ".join(f"{n} {g:.0f}" for n, g in gbs.items()) + f" GB/s  maxdiff vs sdpa {diff:.3g}", flush=True)
            del sets, paged, sdq, sdk, sdv, calls
            torch.cuda.empty_cache()
    first = libs[0][0]
    f = lambda g, n: f"{g[n]:.0f}" if n in g else "-"
    r = lambda g, x, y: f"{g[x] / g[y]:.2f}" if x in g and y in g else "-"
    probe_lines = []
    if probes:
        pk = ["p16", "p16id", "p16g4", "p32", "p64"]
        probe_lines = ["", "Paged layouts as a fraction of the same library's contiguous GB/s: p16 / p64 "
                       "shuffled 16- / 64-key pages; p16id 16-key pages in pool order (contiguous addresses); "
                       "p16g4 16-key pages in shuffled 64-key runs; p32 shuffled 32-key pages; "
                       f"p16 2s: {first}'s 16-key pages at twice the splits", "",
                       "| batch | cache | " + " | ".join(f"{k}/{n}" for n, _ in libs for k in pk)
                       + f" | p16 2s/{first} |",
                       "|---|---|" + "---|" * (len(pk) * len(libs) + 1)]
        for b, L, g, diff, splits, alt in rows:
            cells = " | ".join(r(g, f"{n} {k}", n) for n, _ in libs for k in pk)
            probe_lines.append(f"| {b} | {L // 1024}k | {cells} | {r(g, first + ' p16 2s', first)} |")
    lines = [f"# Decode attention, {card}, {datetime.date.today()}", "",
             f"Streaming read (torch sum over 4 GiB bf16): {bw:.0f} GB/s", "",
             "bf16, 32 q heads / 8 kv heads, d 128, 1 query token; GB/s of K+V read (median of "
             f"{reps} interleaved reps); libraries: " + ", ".join(n for n, _ in libs), "",
             "| batch | cache | cuDNN | flash | " + " | ".join(f"{n} | {n}/cuDNN | p16/{n} | p64/{n}" for n, _ in libs)
             + f" | {first}/read BW | splits | {first} at old splits | {first} at 2x splits"
             + f" | {first} p16 at 2x splits / {first} | max diff vs SDPA |",
             "|---|---|---|---|" + "---|---|---|---|" * len(libs) + "---|---|---|---|---|---|"]
    for b, L, g, diff, splits, alt in rows:
        cells = " | ".join(f"{f(g, n)} | {r(g, n, 'cudnn')} | {r(g, n + ' p16', n)} | {r(g, n + ' p64', n)}" for n, _ in libs)
        lines.append(f"| {b} | {L // 1024}k | {f(g, 'cudnn')} | {f(g, 'flash')} | {cells} | "
                     f"{g[first] / bw:.2f} | {splits} | {f(g, first + ' old')} ({alt['old']}) | "
                     f"{f(g, first + ' 2s')} ({alt['2s']}) | {r(g, first + ' p16 2s', first)} | {diff:.3g} |")
    text = "\n".join(lines + probe_lines) + "\n"
    print(text)
    if out:
        open(out, "w").write(text)
    if json_out:  # GB/s of every backend per cell, for scripts that pick among the builds
        json.dump({"stream_read": bw, "cells": [{"batch": b, "cache": L, "splits": splits, "gbs": g}
                                               for b, L, g, _, splits, _ in rows]}, open(json_out, "w"), indent=1)


def profile(libs, cells, page=0):
    """One launch of each library and of cuDNN per cell (batch, cache length), inside an NVTX
    range "prof" (ncu --nvtx --nvtx-include prof/ profiles just those); with page > 0 the
    libraries read a paged copy of the cache (pages in a random order over the pool)."""
    hq, hkv, d = 32, 8, 128
    key = "dec-h100-bf16-d128"
    for b, L in cells:
        q = torch.randn(b, 1, hq, d, dtype=torch.bfloat16, device="cuda")
        kc = torch.randn(b, L, hkv, d, dtype=torch.bfloat16, device="cuda")
        vc = torch.randn(b, L, hkv, d, dtype=torch.bfloat16, device="cuda")
        lens = torch.full((b,), L, dtype=torch.int32, device="cuda")
        o = torch.empty_like(q)
        kv, table = (kc, vc), None
        if page:
            per = L // page
            order = torch.randperm(b * per, device="cuda")
            kp = torch.empty(b * per, page, hkv, d, dtype=torch.bfloat16, device="cuda")
            vp = torch.empty_like(kp)
            kp[order] = kc.view(b * per, page, hkv, d)
            vp[order] = vc.view(b * per, page, hkv, d)
            kv, table = (kp, vp), order.view(b, per).to(torch.int32).contiguous()
        calls = [lb.prepare(key, q, *kv, o, table=table, lens=lens, max_len=L)[0] for _, lb in libs]
        sq, sk, sv = q.transpose(1, 2), kc.transpose(1, 2), vc.transpose(1, 2)

        def cudnn():
            with sdpa_kernel([SDPBackend.CUDNN_ATTENTION]):
                F.scaled_dot_product_attention(sq, sk, sv, enable_gqa=True)
        for c in calls:
            c()
        cudnn()
        torch.cuda.synchronize()
        torch.cuda.nvtx.range_push("prof")
        for c in calls:
            c()
        cudnn()
        torch.cuda.synchronize()
        torch.cuda.nvtx.range_pop()
        print(f"profiled b{b} L{L} page {page}: " + ", ".join(n for n, _ in libs) + ", cudnn", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True)
    ap.add_argument("--name", default="ours", help="the --lib library's name in the tables")
    ap.add_argument("--test", action="store_true")
    ap.add_argument("--keys", default="")
    ap.add_argument("--bench", action="store_true")
    ap.add_argument("--profile", action="store_true", help="one launch per library in NVTX range prof")
    ap.add_argument("--profile-cells", default="1x4096,64x32768",
                    help="BATCHxCACHE cells --profile launches, comma-separated")
    ap.add_argument("--profile-page", type=int, default=0, help="--profile: page size (0: contiguous)")
    ap.add_argument("--reps", type=int, default=60)
    ap.add_argument("--probes", action="store_true",
                    help="--bench: also 16-key pages in pool order and in 64-key runs, 32-key pages")
    ap.add_argument("--out", default="")
    ap.add_argument("--json", default="", help="also write the bench's GB/s as JSON here")
    ap.add_argument("--alt-lib", action="append", default=[],
                    help="NAME=PATH: another build of the entries, tested and timed beside --lib")
    args = ap.parse_args()
    libs = [(args.name, Raw(args.lib))] + [(a.split("=", 1)[0], Raw(a.split("=", 1)[1])) for a in args.alt_lib]
    status = 0
    if args.test:
        keys = args.keys.split(",") if args.keys else [f"dec-{g}-{t}-d{d}" for g in ("h100", "a100", "t4") for t in ("bf16", "f16") for d in (64, 128)]
        for name, lb in libs:
            print(f"== {name}", flush=True)
            status |= 1 if test(lb, keys) else 0
    if args.profile:
        profile(libs, [tuple(int(x) for x in c.split("x")) for c in args.profile_cells.split(",")],
                args.profile_page)
    if args.bench:
        bench(libs, args.out, args.reps, args.json, args.probes)
    sys.exit(status)


if __name__ == "__main__":
    main()
