"""Times torch SDPA (cuDNN backend) on the FA3 grid (16k tokens, hidden 2048), bf16, BSHD
storage handed to SDPA as a BHSD view (no copies): median of 20 CUDA-event timings after 3
warm-ups, the same protocol as fa3_driver bench. Prints a markdown table. Arguments: head dims (default 64 128 256)."""
import torch
from torch.nn.attention import SDPBackend, sdpa_kernel

torch.manual_seed(0)
ev0 = torch.cuda.Event(enable_timing=True)
ev1 = torch.cuda.Event(enable_timing=True)
print(f"torch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}, {torch.cuda.get_device_name()}")
print("| backend | d | mask | batch | seqlen | heads | ms (median) | TFLOP/s |")
print("|---|---|---|---|---|---|---|---|")
import sys

for d in tuple(int(x) for x in sys.argv[1:]) or (64, 128, 256):
    for causal in (False, True):
        for s in (512, 1024, 2048, 4096, 8192, 16384):
            b, h = 16384 // s, 2048 // d
            q, k, v = (torch.randn(b, s, h, d, device="cuda", dtype=torch.bfloat16).transpose(1, 2)
                       for _ in range(3))
            try:
                with sdpa_kernel(SDPBackend.CUDNN_ATTENTION):
                    ts = []
                    for it in range(23):
                        ev0.record()
                        torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal)
                        ev1.record()
                        ev1.synchronize()
                        if it >= 3:
                            ts.append(ev0.elapsed_time(ev1))
                ts.sort()
                ms = ts[len(ts) // 2]
                flops = 4 * b * h * s * s * d * (0.5 if causal else 1.0)
                print(f"| cudnn | {d} | {'causal' if causal else 'full'} | {b} | {s} | {h} | {ms:.4f} | {flops / ms * 1e-9:.1f} |",
                      flush=True)
            except Exception as e:  # a shape cuDNN refuses is reported, not fatal
                print(f"| cudnn | {d} | {'causal' if causal else 'full'} | {b} | {s} | {h} | error: {type(e).__name__} | |")
