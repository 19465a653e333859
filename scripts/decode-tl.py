#!/usr/bin/env python3
"""Writes the kernel.tl of every `dec-*` cache entry from its kernel.cu: the TL plan of the
split-KV decode schedule of kernels-cache/include/qimeng/decode_fwd.cuh, with the tile traits
(kBlockN, kStages, Element, MmaElement) read from the entry's Spec struct, so a retuned kernel.cu
is one rerun away from its plan. The GPU table (arch per card) is scripts/new-entry.py's.

    python3 scripts/decode-tl.py           # rewrite every dec-*/kernel.tl
    python3 scripts/decode-tl.py --check   # exit 1 if any kernel.tl differs from what it writes

Then seal the entries (`cargo run -q -p qimeng-cli -- cache seal <keys> --date YYYY-MM-DD`) and
check them (`cargo test -p qimeng-tl --test cache --test plan_matches_cuda`).
"""

import functools
import importlib.util
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CACHE = os.path.join(ROOT, "kernels-cache")

_spec = importlib.util.spec_from_file_location("new_entry", os.path.join(ROOT, "scripts", "new-entry.py"))
_new_entry = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_new_entry)
GPUS = _new_entry.GPUS

# decode_fwd.cuh's fixed shape: 4 warps, up to QIMENG_DECODE_MAX_ROWS query rows per block.
WARPS = 4
MAX_ROWS = 64
DTYPES = {"__nv_bfloat16": "bf16", "__half": "f16"}


def traits(cuda):
    """`static constexpr T name = value;` and `using name = type;` of the Spec struct."""
    out = {}
    for line in cuda.splitlines():
        code = line.split("/*")[0].strip()
        m = re.match(r"static constexpr \w+ (\w+) = ([^;]+);", code) or re.match(r"using (\w+) = ([^;]+);", code)
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out


@functools.lru_cache(maxsize=None)  # one read of the header for every plan
def wide_spec():
    """decode_fwd.cuh's WideSpec: (kBlockN, kStages, blocks per SM from which a launch takes it)
    of the TMA path's wide tiles, or None when the header builds without them
    (QIMENG_DECODE_WIDE 0)."""
    path = os.path.join(CACHE, "include", "qimeng", "decode_fwd.cuh")
    with open(path) as f:
        h = f.read()
    on = re.search(r"#define QIMENG_DECODE_WIDE (\d+)", h)
    if on and on.group(1) == "0":
        return None
    stages = re.search(r"#define QIMENG_DECODE_WIDE_STAGES (\d+)", h)
    per_sm = re.search(r"#define QIMENG_DECODE_WIDE_PER_SM (\d+)", h)
    bn = re.search(r"struct WideSpec : Spec \{\s*static constexpr int kBlockN = (\d+);", h)
    if not (on and stages and per_sm and bn):
        # a silent None would drop the lines from every plan that --check then calls stale
        sys.exit(f"{path}: WideSpec's kBlockN or QIMENG_DECODE_WIDE(_STAGES, _PER_SM) not found; "
                 "update scripts/decode-tl.py's wide_spec")
    return int(bn.group(1)), int(stages.group(1)), int(per_sm.group(1))


def render(key, cuda):
    _, gpu, dtype, dname = key.split("-")
    t = traits(cuda)
    d, bn, stages = int(t["kHeadDim"]), int(t["kBlockN"]), int(t["kStages"])
    assert dname == f"d{d}" and DTYPES[t["Element"]] == dtype, key
    mma = DTYPES[t["MmaElement"]]
    disp, sm, family = GPUS[gpu]
    turing = family == "turing"
    # Spec::kTma (sm_90): tiles by TMA, unpadded and swizzled; cp.async where the page size
    # does not suit a TMA box (decode_fwd.cuh, tma_maps).
    tma = t.get("kTma") == "true"
    copy = "sync" if turing else "tma" if tma else "async"
    convert = mma != dtype
    smem_kib = 2 * stages * bn * (d + 8) * 2 / 1024
    if turing:
        walk = "copies through registers on sm_75"
    elif tma:
        walk = ("TMA: lanes of all 4 warps request the tile's boxes, one mbarrier per stage; cp.async where the"
                "\n# page size suits no TMA box")
    else:
        walk = "cp.async"
    combine = " (in the split kernel: the last block of each (batch, kv head) to finish)" if tma else ""
    if tma:
        smem_note = (f"{2 * stages * bn * d * 2 / 1024:.0f} KiB, 128-byte swizzled (TMA); "
                     f"{smem_kib:.0f} KiB with the 16-byte row pad (cp.async)")
    else:
        smem_note = f"{smem_kib:.0f} KiB with the 16-byte row pad"
    tl = [
        f"# spec: {key}",
        f"# Split-KV decode on {disp} ({sm}), decode_fwd.cuh: grid (SPLITS, heads_kv, batch). One block",
        "# of 4 warps holds every query row of KV head h (GROUP * S_q <= 64 rows, 16-row MMA row",
        "# groups), so each K/V byte crosses HBM once, and walks its split's key blocks of the paged",
        f"# cache {stages} deep ({walk}). The combine merges the splits by lse{combine}.",
    ]
    wide = wide_spec() if tma else None
    if wide:
        tl += [
            (f"# Where the grid has >= {wide[2]} blocks per SM" if wide[2] else "# In every launch")
            + " and GROUP * S_q <= 16 (batch 64), the TMA path runs the same",
            f"# program with BN = {wide[0]}, STAGES = {wide[1]} at one block per SM (decode_fwd.cuh WideSpec).",
        ]
    tl += [
        f"param BM = {MAX_ROWS}, BN = {bn}, D = {d}, STAGES = {stages}, WARPS = {WARPS}",
        f"Allocate Q in global (GROUP * S_q, D) {dtype} at batch b, group h  # row r: query r / GROUP, head h * GROUP + r % GROUP",
        f"Allocate K, V in global (S_k, D) {dtype} at batch b, head h through block_table",
        f"Allocate O in global (GROUP * S_q, D) {dtype} at batch b, group h",
        "Allocate O_part in global (SPLITS, GROUP * S_q, D) f32 at batch b, group h  # workspace",
        "Allocate lse_part in global (SPLITS, GROUP * S_q) f32 at batch b, group h",
        "Allocate LSE in global (GROUP * S_q) f32 at batch b, group h",
        f"Allocate rQ in register (BM, D) {mma}  # MMA fragments, held for the whole block",
        f"Allocate sK, sV in shared (STAGES, BN, D) {mma}  # {smem_note}",
        "Allocate S in register (BM, BN) f32",
        f"Allocate P in register (BM, BN) {mma}",
        "Allocate O_acc in register (BM, D) f32",
        "Allocate m, l, lse_s in register (BM) f32",
        "Copy Q tile (BM, D) at [row block i] from global to rQ (sync; rows >= GROUP * S_q as zeros)",
    ]
    if convert:
        tl.append(f"Compute convert rQ {dtype} -> {mma}  # no bf16 tensor cores on sm_75")
    tl += [
        "Loop j over key blocks of split s",
        f"  Copy K, V tile (BN, D) at [key block j] from global to sK, sV ({copy}, STAGES deep; rows >= S_k as zeros)",
        "  Sync  # tile j has landed; the stage read last iteration is free",
    ]
    if convert:
        tl.append(f"  Compute convert sK, sV {dtype} -> {mma}  # on the copy to shared memory")
    tl += [
        "  Compute GEMM rQ, sK^T -> S (BM, BN) f32",
        "  Compute scale S by softmax_scale * log2(e)",
        "  Compute mask S where key >= S_k (tail block only)",
        "  Compute mask S where key > query + S_k - S_q (if causal)  # query = row / GROUP",
        "  Compute rowmax S -> m_new (BM)",
        "  Compute rescale O_acc, l by exp2(m - m_new); m = m_new",
        "  Compute exp2 S - m_new -> S",
        "  Compute rowsum S -> l (accumulate)",
        f"  Reshape S from accumulator layout to operand layout as {mma} -> P",
        "  Compute GEMM P, sV -> O_acc (accumulate)",
        "End",
        "Compute normalize O_acc by l (l == 0 -> 0)  # an empty split stores 0 with lse -inf",
        "Compute logsumexp2 m, l -> lse_s",
        "Copy O_acc (BM, D) to O_part at [split s] (rows < GROUP * S_q)",
        "Copy lse_s (BM) to lse_part at [split s] (rows < GROUP * S_q)",
        "Combine over splits  # the last split block of (batch, kv head), same launch",
        "  Compute logsumexp2 lse_part over splits -> lse",
        "  Compute merge O_part over splits by exp2(lse_part - lse) -> O_c",
        f"  Copy O_c (BM, D) as {dtype} to O at [row block i] (rows < GROUP * S_q)",
        "  Copy lse (BM) to LSE at [row block i] (rows < GROUP * S_q)  # stored as a natural log",
        "End",
    ]
    return "\n".join(tl) + "\n"


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    keys = sorted(k for k in os.listdir(CACHE) if k.startswith("dec-"))
    for key in keys:
        with open(os.path.join(CACHE, key, "kernel.cu")) as f:
            text = render(key, f.read())
        path = os.path.join(CACHE, key, "kernel.tl")
        old = open(path).read() if os.path.exists(path) else None
        if old != text:
            stale.append(key)
            if not check:
                with open(path, "w") as f:
                    f.write(text)
    if check and stale:
        sys.exit(f"kernel.tl out of date (run scripts/decode-tl.py): {', '.join(stale)}")
    print(f"{len(keys)} decode plans, {len(stale)} {'stale' if check else 'written'}")


if __name__ == "__main__":
    main()
