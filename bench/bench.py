"""Side-by-side forward attention benchmark on one GPU: qimeng's cache entries (through
libqimeng_bench_ffi.so, the user path: qimeng-runtime views over torch's memory, torch's stream)
against PyTorch SDPA with the cuDNN backend and the flash backend (FlashAttention-2), in one
process on identical inputs. Optionally the tile variants of libqimeng_variants.so too.

    bash bench/build.sh                                    # here: builds .carry/bench
    python3 bench/bench.py --lib .carry/bench --out bench.md [--variants]   # on the GPU

Timing (interleaved): per cell, every backend (ours, cuDNN, FA2, and the variants with
--variants) runs round-robin, one call each per repetition, the starting backend rotated each
repetition, all on the same input set of that repetition (sets rotated so that L2 never holds a
call's inputs: >= 3 sets, >= 4x the L2 size in all). Clock and thermal drift hit every backend
alike. CUDA events around each call; --rounds rounds of --reps repetitions; per round the median
time of each backend; the table gives the median TFLOP/s over all repetitions and, for each ratio,
the median over rounds of the per-round ratio (with its min..max over rounds). An A/A control
times FA2 twice (two names, same calls): its ratio's spread is the noise floor of a ratio.
FLOPs = 4 b hq sq sk d, halved for causal (sq == sk here). Each cell also compares our output
with SDPA's (cuDNN's; flash's if cuDNN fails): max abs diff and relative L2.
"""
import argparse
import ctypes
import datetime
import os
import statistics
import sys

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel


class BenchArgs(ctypes.Structure):
    _fields_ = [("q", ctypes.c_void_p), ("k", ctypes.c_void_p), ("v", ctypes.c_void_p),
                ("o", ctypes.c_void_p), ("strides", (ctypes.c_int64 * 3) * 4),
                ("batch", ctypes.c_int64), ("seqlen_q", ctypes.c_int64),
                ("seqlen_k", ctypes.c_int64), ("heads_q", ctypes.c_int64),
                ("heads_kv", ctypes.c_int64), ("head_dim", ctypes.c_int64),
                ("scale", ctypes.c_float), ("device", ctypes.c_int32),
                ("stream", ctypes.c_void_p)]


class QimengAttnArgs(ctypes.Structure):  # kernels-cache/include/qimeng/abi.h, ABI version 2
    _fields_ = [("q", ctypes.c_void_p), ("k", ctypes.c_void_p), ("v", ctypes.c_void_p),
                ("o", ctypes.c_void_p)] + \
               [(f"{t}_{s}_stride", ctypes.c_int64) for t in "qkvo" for s in ("batch", "row", "head")] + \
               [(n, ctypes.c_int32) for n in ("batch", "seqlen_q", "seqlen_k", "heads_q", "heads_kv", "head_dim")] + \
               [("softmax_scale", ctypes.c_float), ("alibi_batch_stride", ctypes.c_int32),
                ("alibi_slopes", ctypes.c_void_p), ("cu_seqlens_q", ctypes.c_void_p),
                ("cu_seqlens_k", ctypes.c_void_p), ("max_seqlen_q", ctypes.c_int32),
                ("max_seqlen_k", ctypes.c_int32)]


# The launcher reads sizeof(QimengAttnArgs) bytes: a shorter mirror would let it read past ours.
assert ctypes.sizeof(QimengAttnArgs) == 192, ctypes.sizeof(QimengAttnArgs)


def bshd_strides(t):
    return [t.stride(0), t.stride(1), t.stride(2)]


class Ours:
    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        self.lib.qimeng_bench_run.argtypes = [ctypes.c_char_p, ctypes.POINTER(BenchArgs),
                                              ctypes.c_char_p, ctypes.c_size_t]
        self.err = ctypes.create_string_buffer(512)

    def fn(self, key, q, k, v, o):
        a = BenchArgs()
        a.q, a.k, a.v, a.o = q.data_ptr(), k.data_ptr(), v.data_ptr(), o.data_ptr()
        for i, t in enumerate((q, k, v, o)):
            for j, s in enumerate(bshd_strides(t)):
                a.strides[i][j] = s
        a.batch, a.seqlen_q, a.heads_q, a.head_dim = q.shape
        a.seqlen_k, a.heads_kv = k.shape[1], k.shape[2]
        a.scale, a.device = 0.0, q.device.index
        a.stream = torch.cuda.current_stream().cuda_stream
        kb = key.encode()
        ref = ctypes.byref(a)

        def call():
            rc = self.lib.qimeng_bench_run(kb, ref, self.err, 512)
            if rc != 0:
                raise RuntimeError(f"qimeng {key}: rc {rc}: {self.err.value.decode()}")
        return call


class Variants:
    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        self.lib.qimeng_variant_launch.argtypes = [ctypes.c_int, ctypes.POINTER(QimengAttnArgs),
                                                   ctypes.c_void_p]
        self.items = []
        name = ctypes.create_string_buffer(128)
        d, c = ctypes.c_int(), ctypes.c_int()
        for i in range(self.lib.qimeng_variant_count()):
            self.lib.qimeng_variant_info(i, name, 128, ctypes.byref(d), ctypes.byref(c))
            self.items.append((i, name.value.decode(), d.value, bool(c.value)))

    def fn(self, idx, q, k, v, o):
        a = QimengAttnArgs()
        a.q, a.k, a.v, a.o = q.data_ptr(), k.data_ptr(), v.data_ptr(), o.data_ptr()
        for t, x in zip("qkvo", (q, k, v, o)):
            bs, rs, hs = bshd_strides(x)
            setattr(a, f"{t}_batch_stride", bs); setattr(a, f"{t}_row_stride", rs)
            setattr(a, f"{t}_head_stride", hs)
        a.batch, a.seqlen_q, a.heads_q, a.head_dim = q.shape
        a.seqlen_k, a.heads_kv = k.shape[1], k.shape[2]
        a.max_seqlen_q, a.max_seqlen_k = a.seqlen_q, a.seqlen_k  # fixed length (abi.h)
        a.softmax_scale = q.shape[3] ** -0.5
        stream = torch.cuda.current_stream().cuda_stream
        ref = ctypes.byref(a)

        def call():
            rc = self.lib.qimeng_variant_launch(idx, ref, stream)
            if rc != 0:
                raise RuntimeError(f"variant {idx}: cuda error {rc}")
        return call


def interleaved_ms(backends, reps, rounds, warmup=2):
    """backends: {name: [callable per input set]} (all with the same number of sets).
    Returns {name: [[ms per repetition] per round]}."""
    names = list(backends)
    nsets = len(next(iter(backends.values())))
    for i in range(warmup):
        for nm in names:
            backends[nm][i % nsets]()
    torch.cuda.synchronize()
    out = {nm: [] for nm in names}
    for _ in range(rounds):
        ev = []
        for i in range(reps):
            k = i % len(names)
            for nm in names[k:] + names[:k]:  # rotate who goes first
                a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                a.record()
                backends[nm][i % nsets]()
                b.record()
                ev.append((nm, a, b))
        torch.cuda.synchronize()
        per = {nm: [] for nm in names}
        for nm, a, b in ev:
            per[nm].append(a.elapsed_time(b))
        for nm in names:
            out[nm].append(per[nm])
    return out


def ratio_stats(times, num, den):
    """per-round ratio of median times den/num (= throughput num / throughput den)."""
    rs = sorted(statistics.median(times[den][r]) / statistics.median(times[num][r])
                for r in range(len(times[num])))
    return statistics.median(rs), rs[0], rs[-1]


def rel_l2(mine, ref):
    """Relative L2 error of `mine` against `ref` (tensors of one shape), as a float."""
    return ((mine - ref).norm() / ref.norm()).item()


def first_line(e, width=160):
    """An exception's first line (its type's name when it has no message), for a one-line
    report that a benchmark prints and goes on."""
    return str(e).splitlines()[0][:width] if str(e) else type(e).__name__


def sdpa_fn(backend, q, k, v, causal):
    # BSHD storage seen as BHSD: no copies; both backends take these strides.
    qt, kt, vt = (x.transpose(1, 2) for x in (q, k, v))
    gqa = q.shape[2] != k.shape[2]

    def call():
        with sdpa_kernel([backend]):
            return F.scaled_dot_product_attention(qt, kt, vt, is_causal=causal, enable_gqa=gqa)
    return call


def cells(grids):
    out = []
    if "fa3" in grids:  # FlashAttention-3 paper: 16k tokens, hidden 2048
        for d in (64, 128):
            for causal in (False, True):
                for s in (512, 1024, 2048, 4096, 8192, 16384):
                    out.append(("fa3", d, causal, 16384 // s, s, 2048 // d, 2048 // d))
    if "fa3-256" in grids:  # the same grid at head_dim 256 (FA3 published 756 TFLOP/s there)
        for causal in (False, True):
            for s in (512, 1024, 2048, 4096, 8192, 16384):
                out.append(("fa3", 256, causal, 16384 // s, s, 2048 // 256, 2048 // 256))
    if "gqa" in grids:  # GQA prefill: 32 query heads, 8 KV heads, d128, causal, 16k tokens
        for s in (1024, 2048, 4096, 8192, 16384):
            out.append(("gqa", 128, True, 16384 // s, s, 32, 8))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", default=".carry/bench")
    ap.add_argument("--out", default="bench.md")
    ap.add_argument("--grids", default="fa3,gqa")
    ap.add_argument("--reps", type=int, default=20, help="repetitions per round")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--variants", action="store_true", help="also time libqimeng_variants.so")
    ap.add_argument("--dtype", default="bf16")
    args = ap.parse_args()
    torch.manual_seed(20261125)
    dev = torch.device("cuda")
    dt = {"bf16": torch.bfloat16, "f16": torch.float16}[args.dtype]
    props = torch.cuda.get_device_properties(dev)
    l2 = getattr(props, "L2_cache_size", 50 << 20)
    ours = Ours(os.path.join(args.lib, "libqimeng_bench_ffi.so"))
    variants = Variants(os.path.join(args.lib, "libqimeng_variants.so")) if args.variants else None
    gpu = "h100" if "H100" in props.name else ("h200" if "H200" in props.name else "h100")

    rows, vrows = [], []
    header = (f"device: {props.name}, {props.multi_processor_count} SMs, torch {torch.__version__}, "
              f"cuDNN {torch.backends.cudnn.version()}, {args.dtype}, interleaved, {args.rounds} rounds x "
              f"{args.reps} repetitions")
    print(header, flush=True)
    for grid, d, causal, b, s, hq, hkv in cells(args.grids.split(",")):
        key = f"fwd-{gpu}-{args.dtype}-d{d}-{'causal' if causal else 'full'}"
        per_set = 2 * (b * s * hq * d + 2 * b * s * hkv * d)  # q, o, k, v bytes
        nsets = max(3, -(-4 * l2 // per_set))
        sets = []
        for _ in range(nsets):
            q = torch.randn(b, s, hq, d, device=dev, dtype=dt)
            k = torch.randn(b, s, hkv, d, device=dev, dtype=dt)
            v = torch.randn(b, s, hkv, d, device=dev, dtype=dt)
            o = torch.full_like(q, float("nan"))
            sets.append((q, k, v, o))
        flops = 4 * b * hq * s * s * d / (2 if causal else 1)
        tf = lambda ms: flops / ms / 1e9  # noqa: E731
        backends, ref = {}, None
        for name, backend in (("cudnn", SDPBackend.CUDNN_ATTENTION),
                              ("fa2", SDPBackend.FLASH_ATTENTION)):
            try:
                calls = [sdpa_fn(backend, q, k, v, causal) for q, k, v, _ in sets]
                out0 = calls[0]()
                torch.cuda.synchronize()
                if ref is None:
                    ref = out0
                backends[name] = calls
            except RuntimeError as e:
                print(f"  {name} failed: {first_line(e, 120)}")
        calls = [ours.fn(key, *st) for st in sets]
        calls[0]()
        torch.cuda.synchronize()
        mine = sets[0][3].transpose(1, 2).float()
        if ref is None:  # neither backend ran: compare with the math backend on upcast inputs
            q0, k0, v0, _ = sets[0]
            rep = hq // hkv
            ref = F.scaled_dot_product_attention(
                q0.transpose(1, 2).float(), k0.transpose(1, 2).float().repeat_interleave(rep, 1),
                v0.transpose(1, 2).float().repeat_interleave(rep, 1), is_causal=causal)
        ref = ref.float()
        maxdiff = (mine - ref).abs().max().item()
        rel = rel_l2(mine, ref)
        ok = bool(torch.isfinite(mine).all()) and rel < 1e-2
        backends["ours"] = calls
        if "fa2" in backends:  # A/A control: FA2 timed twice; its ratio is the noise of a ratio
            backends["fa2_aa"] = list(backends["fa2"])
        vchecks = []
        if variants:
            for idx, name, vd, vc in variants.items:
                if vd != d or vc != causal:
                    continue
                vcalls = [variants.fn(idx, *st) for st in sets]
                sets[0][3].fill_(float("nan"))
                vcalls[0]()
                torch.cuda.synchronize()
                vout = sets[0][3].transpose(1, 2).float()
                vrel = rel_l2(vout, ref)
                vok = bool(torch.isfinite(vout).all()) and vrel < 1e-2
                backends["v:" + name] = vcalls
                vchecks.append((name, vok, vrel))
        times = interleaved_ms(backends, args.reps, args.rounds)
        med = lambda nm: statistics.median([x for r in times[nm] for x in r])  # noqa: E731
        row = dict(grid=grid, d=d, causal=causal, b=b, s=s, hq=hq, hkv=hkv, ours=tf(med("ours")),
                   cudnn=tf(med("cudnn")) if "cudnn" in times else None,
                   fa2=tf(med("fa2")) if "fa2" in times else None,
                   r_fa2=ratio_stats(times, "ours", "fa2") if "fa2" in times else None,
                   r_cudnn=ratio_stats(times, "ours", "cudnn") if "cudnn" in times else None,
                   r_aa=ratio_stats(times, "fa2_aa", "fa2") if "fa2" in times else None,
                   maxdiff=maxdiff, rel=rel, ok=ok)
        rows.append(row)
        print(fmt_row(row), flush=True)
        for name, vok, vrel in vchecks:
            vt = tf(med("v:" + name))
            vr = ratio_stats(times, "v:" + name, "fa2") if "fa2" in times else (float("nan"),) * 3
            vo = ratio_stats(times, "v:" + name, "ours")
            vc = ratio_stats(times, "v:" + name, "cudnn") if "cudnn" in times else (float("nan"),) * 3
            vrows.append((grid, d, causal, s, name, vt, vr, vo, vc, vok, vrel))
            print(f"  variant {name:34s} {vt:6.1f} TFLOP/s  x{vr[0]:.3f} FA2  x{vo[0]:.3f} ours  "
                  f"x{vc[0]:.3f} cuDNN  rel {vrel:.1e} {'ok' if vok else 'FAIL'}", flush=True)
        del backends, times
        del sets, calls
        torch.cuda.empty_cache()

    with open(args.out, "w") as f:
        f.write(f"{header}\n\n")
        f.write(table(rows))
        if vrows:
            f.write("\n\nVariants (libqimeng_variants.so), timed interleaved with the backends; TFLOP/s, "
                    "median ratio over rounds to FA2, to the cache entry (ours) and to cuDNN (min..max "
                    "over rounds):\n\n")
            f.write("| grid | d | mask | seqlen | variant | TFLOP/s | x FA2 | x ours | x cuDNN | rel L2 vs SDPA |\n"
                    "|---|---|---|---|---|---|---|---|---|---|\n")
            for g, d, c, s, n, t, vr, vo, vc, ok, rel in vrows:
                f.write(f"| {g} | {d} | {'causal' if c else 'full'} | {s} | {n} | {t:.1f} | {vr[0]:.3f} | "
                        f"{fmt_ratio(vo)} | {fmt_ratio(vc)} | {rel:.1e}{'' if ok else ' FAIL'} |\n")
    print("\n" + table(rows))
    bad = [r for r in rows if not r["ok"]]
    sys.exit(1 if bad else 0)


def fmt_ratio(x):
    return f"{x[0]:.3f} ({x[1]:.2f}..{x[2]:.2f})" if x else "n/a"


def fmt_row(r):
    f = lambda x: f"{x:6.1f}" if x else "   n/a"  # noqa: E731
    return (f"{r['grid']} d{r['d']:<3} {'causal' if r['causal'] else 'full  '} b{r['b']:<2} s{r['s']:<5} "
            f"hq{r['hq']} hkv{r['hkv']}  ours {f(r['ours'])}  cudnn {f(r['cudnn'])}  fa2 {f(r['fa2'])}  "
            f"x{fmt_ratio(r['r_fa2'])} FA2  x{fmt_ratio(r['r_cudnn'])} cuDNN  A/A {fmt_ratio(r['r_aa'])}  "
            f"maxdiff {r['maxdiff']:.1e} rel {r['rel']:.1e} {'ok' if r['ok'] else 'FAIL'}")


def table(rows):
    t = ("| grid | d | mask | batch | seqlen | heads q/kv | ours | cuDNN | FA2 | ours/FA2 (median, min..max over rounds) "
         "| ours/cuDNN | FA2/FA2 A/A | max abs diff | rel L2 |\n"
         "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
    for r in rows:
        c = r["cudnn"]; a = r["fa2"]
        t += (f"| {r['grid']} | {r['d']} | {'causal' if r['causal'] else 'full'} | {r['b']} | {r['s']} | "
              f"{r['hq']}/{r['hkv']} | {r['ours']:.1f} | {c and round(c, 1)} | {a and round(a, 1)} | "
              f"{fmt_ratio(r['r_fa2'])} | {r['r_cudnn'][0] if r['r_cudnn'] else float('nan'):.3f} | "
              f"{fmt_ratio(r['r_aa'])} | "
              f"{r['maxdiff']:.1e} | {r['rel']:.1e}{'' if r['ok'] else ' FAIL'} |\n")
    ge = [r for r in rows if r["r_fa2"] and r["r_fa2"][0] >= 1.0]
    t += f"\nCells at >= 1.0x FA2 (median ratio over rounds): {len(ge)} of {len(rows)}\n"
    return t


if __name__ == "__main__":
    main()
