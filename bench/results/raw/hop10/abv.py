"""hop10's variant A/B (call 2): main's d64 full entry (bench-ffi), cuDNN and every kernel of
libqimeng_variants.so (bench/hopper/variants_hop10.cu) in one interleaved round-robin per cell
(bench.py's interleaved_ms, the starting backend rotated); each over main's entry (median and
min..max over rounds of the per-round ratio) and its rel L2 against cuDNN.

    python3 abv.py --main DIR --vlib DIR [--cells 512,1024] [--reps 10 --rounds 5]
"""
import argparse
import os
import statistics
import sys

import torch
from torch.nn.attention import SDPBackend

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from bench import Ours, Variants, interleaved_ms, ratio_stats, sdpa_fn  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--main", required=True)
    ap.add_argument("--vlib", required=True)
    ap.add_argument("--cells", default="512,1024,4096,16384")
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    torch.manual_seed(20261126)
    dev, dt, d = torch.device("cuda"), torch.bfloat16, 64
    hq = 2048 // d
    ours = Ours(os.path.join(args.main, "libqimeng_bench_ffi.so"))
    var = Variants(os.path.join(args.vlib, "libqimeng_variants.so"))
    props = torch.cuda.get_device_properties(dev)
    l2 = getattr(props, "L2_cache_size", 50 << 20)
    print(f"device: {props.name}, torch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}, "
          f"bf16 d64 full, {args.rounds} rounds x {args.reps} reps", flush=True)
    for s in (int(x) for x in args.cells.split(",")):
        b = 16384 // s
        per_set = 2 * 4 * b * s * hq * d
        nsets = max(3, -(-4 * l2 // per_set))
        sets = [tuple(torch.randn(b, s, hq, d, device=dev, dtype=dt) for _ in range(3))
                for _ in range(nsets)]
        flops = 4 * b * hq * s * s * d
        backends = {"cudnn": [sdpa_fn(SDPBackend.CUDNN_ATTENTION, q, k, v, False)
                              for q, k, v in sets]}
        ref = backends["cudnn"][0]().float()
        outs = {}
        outs["main"] = [torch.full_like(q, float("nan")) for q, _, _ in sets]
        backends["main"] = [ours.fn("fwd-h100-bf16-d64-full", q, k, v, outs["main"][i])
                            for i, (q, k, v) in enumerate(sets)]
        for idx, name, vd, vc in var.items:
            outs[name] = [torch.full_like(q, float("nan")) for q, _, _ in sets]
            backends[name] = [var.fn(idx, q, k, v, outs[name][i]) for i, (q, k, v) in enumerate(sets)]
        for nm in outs:
            backends[nm][0]()
        torch.cuda.synchronize()
        rel = {}
        for nm in outs:
            mine = outs[nm][0].transpose(1, 2).float()
            rel[nm] = ((mine - ref).norm() / ref.norm()).item() if torch.isfinite(mine).all() else float("nan")
        times = interleaved_ms(backends, args.reps, args.rounds)
        med = lambda nm: statistics.median([x for r in times[nm] for x in r])  # noqa: E731
        print(f"d64 full {s}: cudnn {flops / med('cudnn') / 1e9:.1f} TFLOP/s", flush=True)
        for nm in outs:
            rc = ratio_stats(times, nm, "cudnn")
            rf = ratio_stats(times, nm, "main")
            print(f"  {nm:24s} {flops / med(nm) / 1e9:6.1f} TFLOP/s  x cuDNN {rc[0]:.3f} ({rc[1]:.3f}..{rc[2]:.3f})"
                  f"  x main {rf[0]:.3f} ({rf[1]:.3f}..{rf[2]:.3f})  rel L2 {rel[nm]:.1e}"
                  f"{'' if rel[nm] < 1e-2 else ' FAIL'}", flush=True)
        del backends, times, sets, outs
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
