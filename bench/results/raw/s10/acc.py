"""Session 10: each build's plain d128 entries (and cuDNN) against an f32 reference (explicit
softmax in f32 on the bf16 inputs), rel L2 over batch 0's first 4 heads: does kSpecExp's lazy
offset change the error, or only where its rounding lands (against cuDNN)?

    PYTHONPATH=bench python3 acc.py --libs DIR1,DIR2 [--seqlens 2048,8192] [--q-scale 1,8]
"""
import argparse
import os

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

from bench import Ours


def rel(a, b):
    return ((a - b).float().norm() / b.float().norm()).item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--libs", required=True)
    ap.add_argument("--seqlens", default="2048,8192")
    ap.add_argument("--q-scale", default="1,8")
    args = ap.parse_args()
    libs = {os.path.basename(p.rstrip("/")): Ours(os.path.join(p, "libqimeng_bench_ffi.so"))
            for p in args.libs.split(",")}
    dev, h, d = torch.device("cuda"), 16, 128
    for s in map(int, args.seqlens.split(",")):
        for qs in map(float, args.q_scale.split(",")):
            torch.manual_seed(s)
            q, k, v = (torch.randn(1, s, h, d, device=dev, dtype=torch.bfloat16) for _ in range(3))
            q = q * qs
            for causal in (False, True):
                qf, kf, vf = (x[0, :, :4].transpose(0, 1).float() for x in (q, k, v))
                sc = (qf @ kf.transpose(1, 2)) / d ** 0.5
                if causal:
                    sc = sc.masked_fill(torch.ones(s, s, dtype=torch.bool, device=dev).triu(1),
                                        float("-inf"))
                ref = torch.softmax(sc, -1) @ vf  # [4, s, d]
                with sdpa_kernel(SDPBackend.CUDNN_ATTENTION):
                    cu = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2),
                                                        v.transpose(1, 2), is_causal=causal)
                cu = cu[0, :4]
                line = f"s{s} q x {qs:g} {'causal' if causal else 'full'}: cuDNN {rel(cu, ref):.2e}"
                mask = "causal" if causal else "full"
                for nm, lib in libs.items():
                    o = torch.full_like(q, float("nan"))
                    lib.fn(f"fwd-h100-bf16-d{d}-{mask}", q, k, v, o)()
                    torch.cuda.synchronize()
                    ours = o[0, :, :4].transpose(0, 1)
                    line += f"  {nm} {rel(ours, ref):.2e} (vs cuDNN {rel(ours, cu):.2e})"
                print(line, flush=True)


if __name__ == "__main__":
    main()
