"""How much of a window kernel's gap to its plain entry comes from short rows alone (session 8).

Times, interleaved in one process (bench.py's interleaved_ms), the window entries at b2 s8192
h16 d128 bf16 beside our plain entries on two shapes each: the same shape (the goal's
reference, work-normalized as variants_speed.py does) and a plain full call whose every row
sees as many keys as the window shows it (sq 8192, sk = the window's span), which pays the
same per-tile costs over as few key blocks, with no mask at all; and cuDNN (SDPA) on the plain
shapes, for how the reference library fares on short rows. Prints TFLOP/s of the visible pairs
and each ratio (median and min..max over rounds).

    python3 short_rows.py --lib DIR [--reps 10 --rounds 5]
"""
import argparse
import os
import statistics
import sys

import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from bench import Ours, SDPBackend, interleaved_ms, ratio_stats, sdpa_fn  # noqa: E402
from variants_speed import visible_pairs  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    torch.manual_seed(20261126)
    dev, dt, d, hq, b, s = torch.device("cuda"), torch.bfloat16, 128, 16, 2, 8192
    ours = Ours(os.path.join(args.lib, "libqimeng_bench_ffi.so"))
    key = lambda m: f"fwd-h100-bf16-d{d}-{m}"  # noqa: E731
    # name: (entry, sq, sk, causal, left, right)
    calls = {
        "plain causal 8k": (key("causal"), s, s, True, None, None),
        "w1024_0": (key("causal-w1024_0"), s, s, True, 1024, 0),
        "plain full sk 1025": (key("full"), s, 1025, False, None, None),
        "plain full 8k": (key("full"), s, s, False, None, None),
        "w256_256": (key("full-w256_256"), s, s, False, 256, 256),
        "plain full sk 513": (key("full"), s, 513, False, None, None),
    }
    backends, flops = {}, {}
    for nm, (k, sq, sk, causal, left, right) in list(calls.items()):
        q = torch.randn(b, sq, hq, d, device=dev, dtype=dt)
        kk = torch.randn(b, sk, hq, d, device=dev, dtype=dt)
        v = torch.randn(b, sk, hq, d, device=dev, dtype=dt)
        o = torch.empty_like(q)
        backends[nm] = [ours.fn(k, q, kk, v, o)]
        flops[nm] = 4.0 * b * hq * d * visible_pairs(sq, sk, causal, left, right)
        if nm.startswith("plain"):
            backends["cudnn " + nm] = [sdpa_fn(SDPBackend.CUDNN_ATTENTION, q, kk, v, causal)]
            flops["cudnn " + nm] = flops[nm]
            calls["cudnn " + nm] = calls[nm]
    times = interleaved_ms(backends, args.reps, args.rounds)
    med = {nm: statistics.median([x for r in times[nm] for x in r]) for nm in calls}
    print(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}, bf16 d{d} hq=hkv={hq} "
          f"b{b} sq {s}, {args.rounds} rounds x {args.reps} reps")
    for nm in calls:
        print(f"  {nm:20s} {med[nm]:.3f} ms  {flops[nm] / med[nm] / 1e9:6.1f} TFLOP/s (visible)")

    def ratio(a, ref):  # TFLOP/s of a over TFLOP/s of ref, per round
        r = ratio_stats(times, a, ref)
        w = flops[a] / flops[ref]
        return f"{r[0] * w:.3f} ({r[1] * w:.3f}..{r[2] * w:.3f})"
    print("  w1024_0 / plain causal 8k (the goal's ratio):", ratio("w1024_0", "plain causal 8k"))
    print("  plain full sk 1025 / plain causal 8k:      ", ratio("plain full sk 1025", "plain causal 8k"))
    print("  w1024_0 / plain full sk 1025:              ", ratio("w1024_0", "plain full sk 1025"))
    print("  w256_256 / plain full 8k (the goal's ratio):", ratio("w256_256", "plain full 8k"))
    print("  plain full sk 513 / plain full 8k:         ", ratio("plain full sk 513", "plain full 8k"))
    print("  w256_256 / plain full sk 513:              ", ratio("w256_256", "plain full sk 513"))
    print("  cuDNN: full sk 1025 / causal 8k:           ",
          ratio("cudnn plain full sk 1025", "cudnn plain causal 8k"))
    print("  cuDNN: full sk 513 / full 8k:              ",
          ratio("cudnn plain full sk 513", "cudnn plain full 8k"))


if __name__ == "__main__":
    main()
