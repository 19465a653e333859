"""Baseline for fa_check --bench: PyTorch SDPA (FlashAttention-2 / cuDNN backends) at the same
shape, b=4, s=4096, h=16, bf16, d=64 and 128, causal and not. Run on the GPU machine:

    python3 tests/cuda/bench_torch.py
"""
import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel


def median_ms(fn, reps=20):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b))
    times.sort()
    return times[len(times) // 2]


def main():
    b, s, h = 4, 4096, 16
    print(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}")
    for d in (128, 64):
        q, k, v = (torch.randn(b, h, s, d, device="cuda", dtype=torch.bfloat16) for _ in range(3))
        for causal in (False, True):
            flops = 4 * b * h * s * s * d / (2 if causal else 1)
            for name, backend in (("flash", SDPBackend.FLASH_ATTENTION),
                                  ("cudnn", SDPBackend.CUDNN_ATTENTION)):
                try:
                    with sdpa_kernel([backend]):
                        ms = median_ms(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal))
                    print(f"torch-sdpa {name:5s} bf16 d{d} {'causal' if causal else 'full  '}"
                          f"  median {ms:.3f} ms  {flops / ms / 1e9:.1f} TFLOP/s")
                except RuntimeError as e:
                    print(f"torch-sdpa {name} d{d}: {str(e).splitlines()[0]}")


if __name__ == "__main__":
    main()
