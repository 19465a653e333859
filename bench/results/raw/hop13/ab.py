"""hop9's A/B of several builds of the d64 or d128 entries beside cuDNN, in one process (hop8's
script, raw/hop8/ab.py, with every FA3-grid cell by default): each build's
bench-ffi library is loaded side by side; per cell of the FA3 grid (16k tokens, hidden 2048,
bf16) cuDNN (SDPA) and every build's entry run in one interleaved round-robin (bench.py's
interleaved_ms, the starting backend rotated). Prints TFLOP/s (median over all repetitions),
each build over cuDNN and over the first build (median and min..max over rounds of the per-round
ratio) and each build's relative L2 error against cuDNN's output.

    python3 ab.py --libs DIR1,DIR2,... [--cells full-512,causal-4096] [--reps 20 --rounds 7]
"""
import argparse
import os
import statistics
import sys

import torch
import torch.nn.functional as F  # noqa: F401
from torch.nn.attention import SDPBackend

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from bench import Ours, interleaved_ms, ratio_stats, sdpa_fn  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--libs", required=True)
    ap.add_argument("--cells", default=",".join(f"{m}-{s}" for m in ("full", "causal")
                                                for s in (512, 1024, 2048, 4096, 8192, 16384)))
    ap.add_argument("--d", type=int, default=64)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    torch.manual_seed(20261126)
    dev, dt, d = torch.device("cuda"), torch.bfloat16, args.d
    hq = 2048 // d
    ours = {os.path.basename(p.rstrip("/")): Ours(os.path.join(p, "libqimeng_bench_ffi.so"))
            for p in args.libs.split(",")}
    first = next(iter(ours))
    props = torch.cuda.get_device_properties(dev)
    l2 = getattr(props, "L2_cache_size", 50 << 20)
    print(f"device: {props.name}, torch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}, "
          f"bf16 d{d} hq=hkv={hq}, {args.rounds} rounds x {args.reps} reps, builds {list(ours)}",
          flush=True)
    for cell in args.cells.split(","):
        mask, s = cell.split("-")
        s, causal = int(s), mask == "causal"
        b = 16384 // s
        per_set = 2 * 4 * b * s * hq * d
        nsets = max(3, -(-4 * l2 // per_set))
        sets = [tuple(torch.randn(b, s, hq, d, device=dev, dtype=dt) for _ in range(3))
                for _ in range(nsets)]
        key = f"fwd-h100-bf16-d{d}-{mask}"
        flops = 4 * b * hq * s * s * d / (2 if causal else 1)
        backends = {"cudnn": [sdpa_fn(SDPBackend.CUDNN_ATTENTION, q, k, v, causal)
                              for q, k, v in sets]}
        ref = backends["cudnn"][0]().float()
        outs = {nm: [torch.full_like(q, float("nan")) for q, _, _ in sets] for nm in ours}
        for nm, o in ours.items():
            backends[nm] = [o.fn(key, q, k, v, outs[nm][i]) for i, (q, k, v) in enumerate(sets)]
            backends[nm][0]()
        torch.cuda.synchronize()
        rel = {}
        for nm in ours:
            mine = outs[nm][0].transpose(1, 2).float()
            rel[nm] = ((mine - ref).norm() / ref.norm()).item() if torch.isfinite(mine).all() else float("nan")
        times = interleaved_ms(backends, args.reps, args.rounds)
        med = lambda nm: statistics.median([x for r in times[nm] for x in r])  # noqa: E731
        print(f"d{d} {mask} {s}: cudnn {flops / med('cudnn') / 1e9:.1f} TFLOP/s", flush=True)
        for nm in ours:
            rc = ratio_stats(times, nm, "cudnn")
            rf = ratio_stats(times, nm, first)
            print(f"  {nm:5s} {flops / med(nm) / 1e9:6.1f} TFLOP/s  x cuDNN {rc[0]:.3f} ({rc[1]:.3f}..{rc[2]:.3f})"
                  f"  x {first} {rf[0]:.3f} ({rf[1]:.3f}..{rf[2]:.3f})  rel L2 {rel[nm]:.1e}"
                  f"{'' if rel[nm] < 1e-2 else ' FAIL'}", flush=True)
        del backends, times, sets, outs
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
