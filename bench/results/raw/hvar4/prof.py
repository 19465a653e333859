"""One launch each, for ncu (hvar4): at batch 2 x seqlen 8192, 16 heads, d128 bf16 (the
variants bench's shape), our plain causal and full entries and the causal softcap50 and full
ALiBi entries of every build named (bench-ffi libraries in .carry/hvar4/<build>), in that order.
Only the region between cudaProfilerStart/Stop is profiled (ncu --profile-from-start off).
Usage: python3 prof.py DIR/base DIR/B ..."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

libs = [bench.Ours(os.path.join(p, "libqimeng_bench_ffi.so")) for p in sys.argv[1:]]
torch.manual_seed(0)
b, s, h, d = 2, 8192, 16, 128
q, k, v = (torch.randn(b, s, h, d, device="cuda", dtype=torch.bfloat16) for _ in range(3))
o = torch.empty_like(q)
pre = "fwd-h100-bf16-d128-"
calls = [("base plain causal", libs[0].fn(pre + "causal", q, k, v, o)),
         ("base plain full", libs[0].fn(pre + "full", q, k, v, o))]
for p, lib in zip(sys.argv[1:], libs):
    name = os.path.basename(p.rstrip("/"))
    calls.append((name + " causal softcap50", lib.fn(pre + "causal-softcap50", q, k, v, o)))
    calls.append((name + " full alibi", lib.fn(pre + "full-alibi", q, k, v, o)))
for _, c in calls:  # warm-up: module load
    c()
torch.cuda.synchronize()
torch.cuda.profiler.start()
for _, c in calls:
    c()
torch.cuda.synchronize()
torch.cuda.profiler.stop()
print("profiled, in order:", "; ".join(n for n, _ in calls))
