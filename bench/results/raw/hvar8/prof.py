"""hvar8: one launch each of the causal softcap50 entry of the given builds (bench-ffi
libraries), b2 s8192 h16 d128 bf16, q times a scale (a power of 2: exact in bf16), for ncu to
profile (`ncu -k regex:fa3_fwd_kernel ... python3 prof.py --runs DIR@1,DIR@4,...`). Every run
draws the same inputs (one seed), so the builds see the same scores. Prints the key blocks the
launch computes, to turn ncu's totals into per-block counts."""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import Ours  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", required=True, help="DIR@QSCALE,...")
    ap.add_argument("--key", default="fwd-h100-bf16-d128-causal-softcap50")
    args = ap.parse_args()
    b, s, h, d = 2, 8192, 16, 128
    libs = {}
    for run in args.runs.split(","):
        p, qs = run.rsplit("@", 1)
        torch.manual_seed(7)
        q, k, v = (torch.randn(b, s, h, d, device="cuda", dtype=torch.bfloat16) for _ in range(3))
        q = q * float(qs)
        o = torch.empty_like(q)
        if p not in libs:
            libs[p] = Ours(os.path.join(p, "libqimeng_bench_ffi.so"))
        libs[p].fn(args.key, q, k, v, o)()
        torch.cuda.synchronize()
        mb = s // 128
        print(f"launch: {os.path.basename(p.rstrip('/'))} q x {qs} {args.key}: "
              f"{b * h * mb * (mb + 1) // 2} key blocks ({b * h * mb} tiles, 8 consumer warps each)",
              flush=True)


if __name__ == "__main__":
    main()
