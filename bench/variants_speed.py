"""Speed of the attention variants (issue 9, deliverable 7) on one GPU, in one process: each
variant entry of the cache against our plain entry of the same shape, against FlexAttention
(torch.compile'd, the library that has these variants; cuDNN SDPA has no window and no softcap)
and, for scale, cuDNN SDPA's plain kernel of the same mask. ALiBi has a cuDNN column of its
own: SDPA on the cuDNN backend with the bias (and the causal -inf) materialized as an
[1, heads, sq, sk] bf16 attn_mask, the one way PyTorch hands cuDNN a bias.

    bash bench/build.sh                                                  # here
    python3 bench/variants_speed.py --lib .carry/bench --out variants.md   # on the GPU

Timing is bench.py's: interleaved round-robin over identical inputs rotated past L2, CUDA events,
per-round medians, ratios as the median over rounds. Work is counted in visible score entries:
FLOPs = 4 d * (number of (query, key) pairs the mask lets through), so a sliding window's
TFLOP/s is comparable with the plain kernel's ("within 10% of our plain kernel": the `x plain`
column, work-normalized; `plain time` is the plain time over ours, not normalized). Each
variant's output is checked against FlexAttention's (or, when FlexAttention fails, against an
explicit-mask SDPA on the first batch). ALiBi slopes: 2^(-8 (h + 1) / heads) per query head,
what bench/ffi gives an ALiBi kernel.
"""
import argparse
import datetime
import functools
import os
import statistics
import sys

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import Ours, interleaved_ms, ratio_stats, sdpa_fn  # noqa: E402


def visible_pairs(sq, sk, causal, left, right):
    """(query, key) pairs the mask lets through (bottom-right aligned, as abi.h)."""
    shift = sk - sq
    total = 0
    for i in range(sq):
        hi = i + shift
        if not causal:
            hi = sk - 1 if right is None else min(sk - 1, i + shift + right)
        else:
            hi = min(sk - 1, hi)
        lo = 0 if left is None else max(0, i + shift - left)
        total += max(0, hi - lo + 1)
    return total


@functools.lru_cache(maxsize=None)
def alibi_slopes(heads, device):
    """bench/ffi's slopes (its alibi_slope): 2^(-8 (h + 1) / heads). One tensor per (heads,
    device), so the compiled FlexAttention that captures it is reused across input sets."""
    return torch.tensor([2.0 ** (-8.0 * (h + 1) / heads) for h in range(heads)],
                        dtype=torch.float32, device=device)


def flex_fn(q, k, v, causal, left, right, softcap, scale, alibi=False):
    from torch.nn.attention.flex_attention import create_block_mask, flex_attention
    b, s, hq, d = q.shape
    sk = k.shape[1]
    shift = sk - s

    def mask_mod(bi, h, qi, kj):
        ok = kj >= 0
        if causal:
            ok = ok & (kj <= qi + shift)
        if left is not None:
            ok = ok & (kj >= qi + shift - left)
        if right is not None and not causal:
            ok = ok & (kj <= qi + shift + right)
        return ok

    def score_mod(score, bi, h, qi, kj):
        return softcap * torch.tanh(score / softcap)

    slopes = alibi_slopes(hq, q.device)

    def alibi_mod(score, bi, h, qi, kj):
        return score - slopes[h] * (qi + shift - kj).abs()

    bm = create_block_mask(mask_mod, None, None, s, sk, device=q.device)
    fn = torch.compile(flex_attention, dynamic=False)
    qt, kt, vt = (x.transpose(1, 2) for x in (q, k, v))
    gqa = hq != k.shape[2]
    sm = score_mod if softcap else alibi_mod if alibi else None

    def call():
        return fn(qt, kt, vt, score_mod=sm, block_mask=bm, scale=scale, enable_gqa=gqa)
    return call


def alibi_bias(q, k, causal):
    """[1, hq, sq, sk] bf16: -slope_h |i + sk - sq - j|, -inf above the diagonal when causal."""
    hq, sq, sk = q.shape[2], q.shape[1], k.shape[1]
    i = torch.arange(sq, device=q.device)[:, None] + (sk - sq)
    j = torch.arange(sk, device=q.device)[None, :]
    bias = torch.empty(1, hq, sq, sk, dtype=q.dtype, device=q.device)
    dist = (i - j).abs().float()
    for h, sl in enumerate(alibi_slopes(hq, q.device).tolist()):
        b = -sl * dist
        if causal:
            b = b.masked_fill(j > i, float("-inf"))
        bias[0, h] = b.to(q.dtype)
    return bias


def cudnn_bias_fn(q, k, v, bias):
    qt, kt, vt = (x.transpose(1, 2) for x in (q, k, v))

    def call():
        with sdpa_kernel([SDPBackend.CUDNN_ATTENTION]):
            return F.scaled_dot_product_attention(qt, kt, vt, attn_mask=bias)
    return call


def masked_reference(q, k, v, causal, left, right, softcap, scale, alibi=False):
    """Batch 0, the first two heads, f32, explicit mask: for when FlexAttention is unavailable."""
    q0, k0, v0 = (x[0, :, :2].transpose(0, 1).float() for x in (q, k, v))  # [2, s, d]
    rep = q0.shape[0] // k0.shape[0]
    k0, v0 = k0.repeat_interleave(rep, 0), v0.repeat_interleave(rep, 0)
    s = (q0 @ k0.transpose(1, 2)) * scale
    if softcap:
        s = softcap * torch.tanh(s / softcap)
    sq, sk = q0.shape[1], k0.shape[1]
    i = torch.arange(sq, device=q.device)[:, None] + (sk - sq)
    j = torch.arange(sk, device=q.device)[None, :]
    if alibi:
        s = s - alibi_slopes(q.shape[2], q.device)[:2, None, None] * (i - j).abs()
    ok = torch.ones(sq, sk, dtype=torch.bool, device=q.device)
    if causal:
        ok &= j <= i
    if left is not None:
        ok &= j >= i - left
    if right is not None and not causal:
        ok &= j <= i + right
    s = s.masked_fill(~ok, float("-inf"))
    return torch.softmax(s, -1).nan_to_num(0.0) @ v0  # [h, s, d]


# (name, causal, window left, window right, softcap, alibi): keys of the curated h100 variant
# entries.
VARIANTS = [
    ("w1024_0", True, 1024, 0, None, False),
    ("softcap50", True, None, None, 50, False),
    ("w1024_0-softcap50", True, 1024, 0, 50, False),
    ("w256_256", False, 256, 256, None, False),
    ("alibi", True, None, None, None, True),
    ("alibi", False, None, None, None, True),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", default=".carry/bench")
    ap.add_argument("--out", default="variants.md")
    ap.add_argument("--seqlens", default="4096,16384")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--no-flex", action="store_true")
    ap.add_argument("--only", default="", help="comma-separated variant names (default: all)")
    args = ap.parse_args()
    torch.manual_seed(20261125)
    dev = torch.device("cuda")
    dt = torch.bfloat16
    props = torch.cuda.get_device_properties(dev)
    l2 = getattr(props, "L2_cache_size", 50 << 20)
    ours = Ours(os.path.join(args.lib, "libqimeng_bench_ffi.so"))
    d, hq = 128, 16
    header = (f"device: {props.name}, torch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}, "
              f"bf16 d{d} hq=hkv={hq}, 16k tokens (batch = 16384 / seqlen), interleaved, "
              f"{args.rounds} rounds x {args.reps} repetitions, {datetime.date.today()}")
    print(header, flush=True)
    rows = []
    for s in (int(x) for x in args.seqlens.split(",")):
        b = 16384 // s
        per_set = 2 * 4 * b * s * hq * d
        nsets = max(3, -(-4 * l2 // per_set))
        sets = []
        for _ in range(nsets):
            q, k, v = (torch.randn(b, s, hq, d, device=dev, dtype=dt) for _ in range(3))
            sets.append((q, k, v, torch.full_like(q, float("nan"))))
        scale = d ** -0.5
        for name, causal, left, right, cap, alibi in VARIANTS:
            if args.only and name not in args.only.split(","):
                continue
            mask = "causal" if causal else "full"
            key = f"fwd-h100-bf16-d{d}-{mask}-{name}"
            plain_key = f"fwd-h100-bf16-d{d}-{mask}"
            pairs = visible_pairs(s, s, causal, left, right)
            plain_pairs = visible_pairs(s, s, causal, None, None)
            tf = lambda ms, p: 4 * d * p * b * hq / ms / 1e9  # noqa: E731
            backends = {
                "ours": [ours.fn(key, *st) for st in sets],
                "plain": [ours.fn(plain_key, q, kk, vv, torch.empty_like(q)) for q, kk, vv, _ in sets],
                "cudnn": [sdpa_fn(SDPBackend.CUDNN_ATTENTION, q, kk, vv, causal) for q, kk, vv, _ in sets],
            }
            bias = None
            if alibi:
                try:
                    bias = alibi_bias(sets[0][0], sets[0][1], causal)
                    calls = [cudnn_bias_fn(q, kk, vv, bias) for q, kk, vv, _ in sets]
                    ref_cudnn = calls[0]().transpose(1, 2).float()
                    torch.cuda.synchronize()
                    backends["cudnn_var"] = calls
                except Exception as e:  # noqa: BLE001 - report and go on without it
                    print(f"  cudnn with bias failed: {str(e).splitlines()[0][:160]}", flush=True)
            backends["ours"][0]()
            torch.cuda.synchronize()
            mine = sets[0][3].float()
            ref_name, flex_ok = "explicit mask", False
            if not args.no_flex:
                try:
                    fcalls = [flex_fn(q, kk, vv, causal, left, right, cap, scale, alibi)
                              for q, kk, vv, _ in sets]
                    ref = fcalls[0]().transpose(1, 2).float()
                    torch.cuda.synchronize()
                    backends["flex"] = fcalls
                    ref_name, flex_ok = "FlexAttention", True
                except Exception as e:  # noqa: BLE001 - report and go on without it
                    print(f"  flex failed: {str(e).splitlines()[0][:160]}", flush=True)
            if not flex_ok:
                q0, k0, v0, _ = sets[0]
                ref = masked_reference(q0, k0, v0, causal, left, right, cap, scale, alibi).transpose(0, 1)[None]
                mine = mine[:1, :, :2]
            rel = ((mine - ref).norm() / ref.norm()).item()
            rel_cudnn = None
            if "cudnn_var" in backends:
                rel_cudnn = ((sets[0][3].float() - ref_cudnn).norm() / ref_cudnn.norm()).item()
            ok = bool(torch.isfinite(mine).all()) and rel < 1e-2
            times = interleaved_ms(backends, args.reps, args.rounds)
            med = lambda nm: statistics.median([x for r in times[nm] for x in r])  # noqa: E731
            # Work-normalized: (plain time / plain pairs) / (ours time / our pairs) per round.
            work = pairs / plain_pairs
            r_time = ratio_stats(times, "ours", "plain")
            r_plain = tuple(x * work for x in r_time)
            row = dict(s=s, b=b, name=f"{mask} {name}", ours=tf(med("ours"), pairs),
                       plain=tf(med("plain"), plain_pairs), cudnn=tf(med("cudnn"), plain_pairs),
                       flex=tf(med("flex"), pairs) if "flex" in times else None,
                       r_plain=r_plain, r_time=r_time,
                       cudnn_var=tf(med("cudnn_var"), pairs) if "cudnn_var" in times else None,
                       r_cudnn=ratio_stats(times, "ours", "cudnn_var") if "cudnn_var" in times else None,
                       rel_cudnn=rel_cudnn,
                       r_flex=ratio_stats(times, "ours", "flex") if "flex" in times else None,
                       ms=med("ours"), plain_ms=med("plain"), rel=rel, ref=ref_name, ok=ok)
            rows.append(row)
            print(fmt(row), flush=True)
            del backends, times, bias
        del sets
        torch.cuda.empty_cache()
    with open(args.out, "w") as f:
        f.write(header + "\n\n")
        f.write("| seqlen | batch | variant | ours TFLOP/s | ms | our plain TFLOP/s (ms) | x plain (work-normalized) "
                "| plain time / ours | FlexAttention TFLOP/s | x Flex | cuDNN variant TFLOP/s (x cuDNN) "
                "| cuDNN plain TFLOP/s | rel L2 vs |\n"
                "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
        for r in rows:
            fl = f"{r['flex']:.1f}" if r["flex"] else "n/a"
            rf = f"{r['r_flex'][0]:.3f}" if r["r_flex"] else "n/a"
            cv = (f"{r['cudnn_var']:.1f} ({r['r_cudnn'][0]:.3f}; rel L2 {r['rel_cudnn']:.1e})"
                  if r["cudnn_var"] else "n/a")
            f.write(f"| {r['s']} | {r['b']} | {r['name']} | {r['ours']:.1f} | {r['ms']:.3f} | "
                    f"{r['plain']:.1f} ({r['plain_ms']:.3f}) | {r['r_plain'][0]:.3f} ({r['r_plain'][1]:.2f}.."
                    f"{r['r_plain'][2]:.2f}) | {r['r_time'][0]:.3f} | {fl} | {rf} | {cv} | {r['cudnn']:.1f} | "
                    f"{r['rel']:.1e} {r['ref']}{'' if r['ok'] else ' FAIL'} |\n")
    sys.exit(0 if all(r["ok"] for r in rows) else 1)


def fmt(r):
    fl = f"{r['flex']:6.1f}" if r["flex"] else "   n/a"
    rf = f"x{r['r_flex'][0]:.3f}" if r["r_flex"] else "n/a"
    cv = f"x{r['r_cudnn'][0]:.3f}" if r["r_cudnn"] else "n/a"
    return (f"s{r['s']:<5} {r['name']:26s} ours {r['ours']:6.1f}  plain {r['plain']:6.1f}  "
            f"x{r['r_plain'][0]:.3f} plain (work) x{r['r_time'][0]:.3f} (time)  flex {fl} {rf}  "
            f"cudnn-var {cv}  cudnn-plain {r['cudnn']:6.1f}  "
            f"rel {r['rel']:.1e} vs {r['ref']} {'ok' if r['ok'] else 'FAIL'}")


if __name__ == "__main__":
    main()
