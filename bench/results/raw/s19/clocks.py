"""Session 19: is the 1024-key softcap window's extra loss at 16k (on its rows) the clocks or the
harness's neighbours? (a) each kernel alone in a loop for a while, nvidia-smi sampling the SM
clock, power and throttle reasons; (b) x rows measured with only the window and its rows kernel
interleaved (no plain causal or cuDNN neighbours), against variants_speed.py's five backends.

    PYTHONPATH=bench python3 bench/results/raw/s19/clocks.py --lib .carry/bench
"""
import argparse
import statistics
import subprocess
import time

import torch
from torch.nn.attention import SDPBackend

from bench import Ours, interleaved_ms, ratio_stats, sdpa_fn
from variants_speed import row_span, visible_pairs

ap = argparse.ArgumentParser()
ap.add_argument("--lib", default=".carry/bench")
ap.add_argument("--seconds", type=float, default=2.0)
ap.add_argument("--seqlens", default="8192,16384")
args = ap.parse_args()
torch.manual_seed(20261125)
dev, dt, d, hq = torch.device("cuda"), torch.bfloat16, 128, 16
ours = Ours(f"{args.lib}/libqimeng_bench_ffi.so")
l2 = torch.cuda.get_device_properties(dev).L2_cache_size
smi = subprocess.Popen(["nvidia-smi", "--query-gpu=timestamp,clocks.sm,power.draw,temperature.gpu,"
                        "clocks_event_reasons.active", "--format=csv,noheader,nounits", "-lms", "20"],
                       stdout=subprocess.PIPE, text=True)
marks = []
for s in (int(x) for x in args.seqlens.split(",")):
    b = 16384 // s
    nsets = max(3, -(-4 * l2 // (2 * 4 * b * s * hq * d)))
    sets = [tuple(torch.randn(b, s, hq, d, device=dev, dtype=dt) for _ in range(3)) + (None,)
            for _ in range(nsets)]
    sets = [(q, k, v, torch.empty_like(q)) for q, k, v, _ in sets]
    span = row_span(s, True, 1024, 0)
    rows_out = [torch.empty_like(q) for q, *_ in sets]
    mk = lambda key: [ours.fn(key, *st) for st in sets]  # noqa: E731
    bk = {
        "w1024_0-softcap50": mk("fwd-h100-bf16-d128-causal-w1024_0-softcap50"),
        "w1024_0": mk("fwd-h100-bf16-d128-causal-w1024_0"),
        "rows": [ours.fn("fwd-h100-bf16-d128-full", q, k[:, :span], v[:, :span], o)
                 for (q, k, v, _), o in zip(sets, rows_out)],
        "plain": mk("fwd-h100-bf16-d128-causal"),
        "cudnn": [sdpa_fn(SDPBackend.CUDNN_ATTENTION, q, k, v, True) for q, k, v, _ in sets],
    }
    pairs, rows_pairs = visible_pairs(s, s, True, 1024, 0), s * span
    # (a) each alone, in a loop
    for nm in ("rows", "w1024_0", "w1024_0-softcap50", "rows", "plain"):
        for i in range(20):
            bk[nm][i % nsets]()
        torch.cuda.synchronize()
        t0, n = time.time(), 0
        a, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        while time.time() - t0 < args.seconds:
            for i in range(50):
                bk[nm][(n + i) % nsets]()
            n += 50
            torch.cuda.synchronize()
        e.record(); torch.cuda.synchronize()
        ms = a.elapsed_time(e) / n
        marks.append((s, nm, t0 + 0.3, time.time(), ms))
        print(f"{s} alone {nm:18s} {ms * 1e3:8.1f} us/launch", flush=True)
    # (b) x rows, interleaved: pairs only, then with the heavy neighbours
    for win in ("w1024_0", "w1024_0-softcap50"):
        for label, names in (("pair", [win, "rows"]), ("5-way", [win, "plain", "cudnn", "rows"])):
            res = []
            for _ in range(3):
                t = interleaved_ms({nm: bk[nm] for nm in names}, 10, 5)
                r = ratio_stats(t, win, "rows")
                res.append(r[0] * pairs / rows_pairs)
            print(f"{s} x rows {win:18s} {label}: " + " ".join(f"{x:.3f}" for x in res), flush=True)
    del bk, sets
    torch.cuda.empty_cache()
time.sleep(0.2)
smi.terminate()
samples = []
for line in smi.stdout.read().splitlines():
    f = [x.strip() for x in line.split(",")]
    try:
        ts = time.mktime(time.strptime(f[0].split(".")[0], "%Y/%m/%d %H:%M:%S")) + float("0." + f[0].split(".")[1])
        samples.append((ts, float(f[1]), float(f[2]), float(f[3]), f[4]))
    except (ValueError, IndexError):
        pass
for s, nm, t0, t1, ms in marks:
    w = [x for x in samples if t0 <= x[0] <= t1]
    if not w:
        print(f"{s} {nm}: no samples"); continue
    reasons = sorted({x[4] for x in w})
    print(f"{s} {nm:18s} {ms * 1e3:8.1f} us  sm MHz median {statistics.median(x[1] for x in w):.0f} "
          f"min {min(x[1] for x in w):.0f}  W median {statistics.median(x[2] for x in w):.0f} "
          f"max {max(x[2] for x in w):.0f}  T {max(x[3] for x in w):.0f}  n {len(w)}  reasons {reasons}")
