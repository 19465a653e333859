"""hwin4: one launch each of the given entries of the given builds (bench-ffi libraries), b2 s8192
h16 d128 bf16 on random inputs (q x --q-scale), for ncu to profile (`ncu -k regex:fa3_fwd_kernel
... python3 prof.py --libs DIR,... --keys causal-w1024_0,...`); hwin2's prof.py with keys."""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import Ours  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--libs", required=True)
    ap.add_argument("--keys", default="causal-w1024_0,causal-w1024_0-softcap50")
    ap.add_argument("--q-scale", type=float, default=1.0)
    args = ap.parse_args()
    torch.manual_seed(7)
    b, s, h, d = 2, 8192, 16, 128
    q, k, v = (torch.randn(b, s, h, d, device="cuda", dtype=torch.bfloat16) for _ in range(3))
    q = q * args.q_scale
    o = torch.empty_like(q)
    for key in args.keys.split(","):
        for p in args.libs.split(","):
            fn = Ours(os.path.join(p, "libqimeng_bench_ffi.so")).fn(f"fwd-h100-bf16-d128-{key}", q, k, v, o)
            fn()
            torch.cuda.synchronize()
            print(f"launch: {os.path.basename(p.rstrip('/'))} {key}", flush=True)


if __name__ == "__main__":
    main()
