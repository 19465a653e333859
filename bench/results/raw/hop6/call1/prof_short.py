"""One launch each, for ncu (hop6, issue 7): the d64 persistent short schedule at seqlen 512
(batch 32, 32 heads: the FA3 grid's cell), full and causal, as the entries build it (bench ffi
library) and with carried ping-pong turns (libqimeng_variants.so, when present), and cuDNN SDPA on
the same shapes. Only the region between cudaProfilerStart/Stop is profiled
(ncu --profile-from-start off). Usage: python3 prof_short.py LIB_DIR"""
import os
import sys

import torch
from torch.nn.attention import SDPBackend

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

lib = sys.argv[1] if len(sys.argv) > 1 else "."
ours = bench.Ours(os.path.join(lib, "libqimeng_bench_ffi.so"))
vpath = os.path.join(lib, "libqimeng_variants.so")
variants = bench.Variants(vpath) if os.path.exists(vpath) else None
torch.manual_seed(0)
b, s, h, d = 32, 512, 32, 64
q, k, v = (torch.randn(b, s, h, d, device="cuda", dtype=torch.bfloat16) for _ in range(3))
o = torch.empty_like(q)
calls = []
for causal in (False, True):
    key = f"fwd-h100-bf16-d64-{'causal' if causal else 'full'}"
    calls.append(ours.fn(key, q, k, v, o))
    calls.append(bench.sdpa_fn(SDPBackend.CUDNN_ATTENTION, q, k, v, causal))
    if variants:
        for idx, name, vd, vc in variants.items:
            if vd == d and vc == causal and "s2" in name:
                calls.append(variants.fn(idx, q, k, v, o))
for c in calls:  # warm-up: module load, cuDNN plan
    c()
torch.cuda.synchronize()
torch.cuda.profiler.start()
for c in calls:
    c()
torch.cuda.synchronize()
torch.cuda.profiler.stop()
print("profiled", len(calls), "launches")
