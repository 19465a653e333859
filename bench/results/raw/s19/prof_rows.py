"""One launch for ncu (session 19): python3 prof_rows.py LIB KEY SEQLEN [SPAN]. bf16 d128, 16 heads,
16384 // SEQLEN sequences; with SPAN, K and V are the first SPAN keys (variants_speed.py's rows
kernel). Three launches; ncu takes the third (--launch-skip 2 -c 1)."""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../.."))
from bench import Ours  # noqa: E402

lib, key, s = sys.argv[1], sys.argv[2], int(sys.argv[3])
span = int(sys.argv[4]) if len(sys.argv) > 4 else s
torch.manual_seed(20261126)
q, k, v = (torch.randn(16384 // s, s, 16, 128, device="cuda", dtype=torch.bfloat16) for _ in range(3))
o = torch.empty_like(q)
call = Ours(os.path.join(lib, "libqimeng_bench_ffi.so")).fn(key, q, k[:, :span], v[:, :span], o)
for _ in range(3):
    call()
torch.cuda.synchronize()
print(key, span, "ok", o.float().abs().mean().item())
