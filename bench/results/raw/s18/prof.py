"""One launch of an entry for ncu (session 15, call 3; session 18, call 5): python3 prof.py LIB KEY [SEQLEN].
bf16 d128, 16 heads, 16384 // SEQLEN sequences (ab_var.py's shape); three launches, ncu takes
the third (--launch-skip 2 -c 1)."""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../.."))
from bench import Ours  # noqa: E402

lib, key = sys.argv[1], sys.argv[2]
s = int(sys.argv[3]) if len(sys.argv) > 3 else 8192
torch.manual_seed(20261126)
q, k, v = (torch.randn(16384 // s, s, 16, 128, device="cuda", dtype=torch.bfloat16) for _ in range(3))
o = torch.empty_like(q)
call = Ours(os.path.join(lib, "libqimeng_bench_ffi.so")).fn(key, q, k, v, o)
for _ in range(3):
    call()
torch.cuda.synchronize()
print(key, "ok", o.float().abs().mean().item())
