"""A/B of several builds of the same entries in one process (hvar2's ab.py; hvar3: keys name
their mask, `causal-alibi` / `full-alibi`, since variants_speed.VARIANTS has ALiBi twice): each build's
bench-ffi library is loaded side by side and its kernel for one variant key is timed in one
interleaved round-robin (bench.py's interleaved_ms) with the plain entry of the same mask (taken
from the first build; the plain code is the same in all). Prints, per build, the median ms and
x plain (work-normalized: plain time per visible pair over ours; median and min..max over
rounds) and each build's relative L2 error against variants_speed.masked_reference.

    python3 bench/ab_var.py --libs DIR1,DIR2,... --keys causal-softcap50,full-alibi [--seqlen 8192]
        [--q-scale 8]

A key `causal-plain` / `full-plain` times each build's plain entry against the first build's.
"""
import argparse
import os
import statistics
import sys

import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from bench import Ours, interleaved_ms, ratio_stats, rel_l2  # noqa: E402
from variants_speed import VARIANTS, masked_reference, visible_pairs  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--libs", required=True)
    ap.add_argument("--keys", default="causal-softcap50")
    ap.add_argument("--seqlen", type=int, default=8192)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--d", type=int, default=128, help="head dim (128 for the variant keys; others for plain keys)")
    ap.add_argument("--dtype", default="bf16", choices=["bf16", "f16"],
                    help="(bf16 for the variant keys; f16 for plain keys)")
    ap.add_argument("--q-scale", type=float, default=1.0,
                    help="q times this (a power of 2: exact in bf16): larger scores")
    args = ap.parse_args()
    torch.manual_seed(20261126)
    dev, d = torch.device("cuda"), args.d
    dt = torch.bfloat16 if args.dtype == "bf16" else torch.float16
    hq = 2048 // d
    libs = args.libs.split(",")
    ours = {os.path.basename(p.rstrip("/")): Ours(os.path.join(p, "libqimeng_bench_ffi.so"))
            for p in libs}
    first = next(iter(ours))
    props = torch.cuda.get_device_properties(dev)
    s = args.seqlen
    b = 16384 // s
    per_set = 2 * 4 * b * s * hq * d
    nsets = max(3, -(-4 * getattr(props, "L2_cache_size", 50 << 20) // per_set))
    sets = [tuple(torch.randn(b, s, hq, d, device=dev, dtype=dt) * (args.q_scale if i == 0 else 1)
                  for i in range(3))
            for _ in range(nsets)]
    print(f"device: {props.name}, torch {torch.__version__}, {args.dtype} d{d} hq=hkv={hq}, b{b} s{s}, "
          f"q x {args.q_scale:g}, {args.rounds} rounds x {args.reps} reps, builds {list(ours)}", flush=True)
    for mkey in args.keys.split(","):
        mask, name = mkey.split("-", 1)
        plain_key = f"fwd-h100-{args.dtype}-d{d}-{mask}"
        if name == "plain":  # each build's plain entry against the first build's
            causal, left, right, cap, alibi = mask == "causal", None, None, None, False
            key = plain_key
        else:
            (causal, left, right, cap, alibi), = [v[1:] for v in VARIANTS
                                                  if v[0] == name and v[1] == (mask == "causal")]
            key = f"fwd-h100-{args.dtype}-d{d}-{mask}-{name}"
        work = visible_pairs(s, s, causal, left, right) / visible_pairs(s, s, causal, None, None)
        outs = {nm: [torch.full_like(q, float("nan")) for q, _, _ in sets] for nm in ours}
        # referenced until the next key (Ours.fn keeps only the output's address)
        plain_out = [torch.empty_like(q) for q, _, _ in sets]
        backends = {"plain": [ours[first].fn(plain_key, q, k, v, o)
                              for (q, k, v), o in zip(sets, plain_out)]}
        for nm, o in ours.items():
            backends[nm] = [o.fn(key, q, k, v, outs[nm][i]) for i, (q, k, v) in enumerate(sets)]
        q0, k0, v0 = sets[0]
        ref = masked_reference(q0, k0, v0, causal, left, right, cap, d ** -0.5, alibi).transpose(0, 1)
        for nm in ours:
            backends[nm][0]()
        torch.cuda.synchronize()
        rel = {}
        for nm in ours:
            mine = outs[nm][0].float()[0, :, :2]
            rel[nm] = rel_l2(mine, ref) if torch.isfinite(mine).all() else float("nan")
        times = interleaved_ms(backends, args.reps, args.rounds)
        med = lambda nm: statistics.median([x for r in times[nm] for x in r])  # noqa: E731
        print(f"{mask} {name}: plain {med('plain'):.3f} ms", flush=True)
        for nm in ours:
            r = tuple(x * work for x in ratio_stats(times, nm, "plain"))
            print(f"  {nm:6s} {med(nm):.3f} ms  x plain {r[0]:.3f} ({r[1]:.3f}..{r[2]:.3f})  "
                  f"rel L2 {rel[nm]:.1e}", flush=True)


if __name__ == "__main__":
    main()
