"""hwin2: one launch each of the plain causal entry and the causal w1024_0 entry of the given
builds (bench-ffi libraries), b2 s8192 h16 d128 bf16 on random inputs, for ncu to profile
(`ncu -k regex:fa3_fwd_kernel ... python3 prof.py --libs DIR,...`). The window tile visits about 9
key blocks, the plain causal one 32.5 on average: per-block counts come from dividing ncu's
totals by the blocks each kernel computes (printed here)."""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import Ours  # noqa: E402


def blocks(s, left):
    """key blocks (128 x 128) computed per (batch, head), causal, BM = BN = 128"""
    mb = s // 128
    return sum(m + 1 - (0 if left is None else max(0, (m * 128 - left) // 128)) for m in range(mb))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--libs", required=True)
    args = ap.parse_args()
    torch.manual_seed(7)
    b, s, h, d = 2, 8192, 16, 128
    q, k, v = (torch.randn(b, s, h, d, device="cuda", dtype=torch.bfloat16) for _ in range(3))
    libs = args.libs.split(",")
    o = torch.empty_like(q)
    runs = [(libs[0], "fwd-h100-bf16-d128-causal", None)]
    runs += [(p, "fwd-h100-bf16-d128-causal-w1024_0", 1024) for p in libs]
    for p, key, left in runs:
        fn = Ours(os.path.join(p, "libqimeng_bench_ffi.so")).fn(key, q, k, v, o)
        fn()
        torch.cuda.synchronize()
        print(f"launch: {os.path.basename(p.rstrip('/'))} {key}: {b * h * blocks(s, left)} key blocks "
              f"({b * h * (s // 128)} tiles)", flush=True)


if __name__ == "__main__":
    main()
