#!/usr/bin/env python3
"""Writes curated `fwd-*` cache entries (spec.json, kernel.h, kernel.cu, kernel.tl) from one
table of tile choices per GPU and head_dim, so that the entries of one arch agree.

Its output is reviewed and committed as curated: each entry stays a self-contained folder that
the build reads as it is (this script is not part of any build). After writing entries, seal
them (`cargo run -q -p qimeng-cli -- cache seal --all --date YYYY-MM-DD`), check them
(`cargo test -p qimeng-tl`) and verify them on a GPU (README, "GPU verification").

    python3 scripts/new-entry.py                 # every missing entry of TILES
    python3 scripts/new-entry.py fwd-l4-bf16-d64-causal ...   # only these (missing) keys
    python3 scripts/new-entry.py --overwrite KEY # rewrite an existing entry (then re-verify it)
    python3 scripts/new-entry.py fwd-h100-bf16-d128-causal-w1024_0-varlen  # a variant of a
                                                 # table entry: its tiles plus the variant traits
    python3 scripts/new-entry.py --check         # every fwd-* entry of the cache is what this
                                                 # script writes for its key (CI runs it)

Variant keys (qimeng-spec's suffixes, in order): -w<left>_<right> (sliding window),
-softcap<cap> (Hopper family only), -alibi (ALiBi slopes at run time), -varlen (packed
sequences by cu_seqlens). Each adds its trait to the Spec struct (the templates' optional
kWindowLeft/kWindowRight, kSoftcap, kAlibi, kVarlen) and its statements to the TL plan.
FlashAttention-2-class softcap entries are written by hand.

Existing entries are never rewritten without --overwrite: several were tuned by hand on the H100
(bench/results/) and carry choices this table does not repeat.

The h100 and h200 bf16/f16 entries of head_dim 64, 128 and 256 use the Hopper kernel family
(kernels-cache/include/qimeng/fa3_fwd.cuh, docs/HOPPER.md) instead: FA3_TILES below is their
table, and their kernel.tl states the producer/consumer schedule; so do their window, softcap
and ALiBi variants and varlen alone (fa3_fwd.cuh's variant traits). Every other entry (d32,
d96, d192 on h100, varlen with another variant) stays on fa2_fwd.cuh.

Shared memory of a tile, bytes: (BM (D+8) + 2 STAGES BN (D+8)) x 2 (the +8 pad per row; see
Fa2Config in kernels-cache/include/qimeng/fa2_fwd.cuh). Per-block and per-SM limits are the
GPU table's (qimeng-spec/src/gpu.rs): sm_75 64 KiB, sm_80 163/164 KiB, sm_86 and sm_89
99/100 KiB, sm_90a 227/228 KiB.
"""

import argparse
import json
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CACHE = os.path.join(ROOT, "kernels-cache")

# name -> (display name, sm arch, arch family)
GPUS = {
    "t4": ("T4", "sm_75", "turing"),
    "rtx8000": ("RTX 8000", "sm_75", "turing"),
    "a100": ("A100", "sm_80", "sm80"),
    "a10": ("A10", "sm_86", "sm8x"),
    "rtx3090": ("RTX 3090", "sm_86", "sm8x"),
    "l4": ("L4", "sm_89", "sm8x"),
    "rtx4090": ("RTX 4090", "sm_89", "sm8x"),
    "l40s": ("L40S", "sm_89", "sm8x"),
    "h100": ("H100", "sm_90a", "hopper"),
    "h200": ("H200", "sm_90a", "hopper"),
}


def smem(bm, bn, d, stages):
    return (bm * (d + 8) + 2 * stages * bn * (d + 8)) * 2


def kib(b):
    return f"{b / 1024:.0f} KiB"


def tiles(gpu, d, causal):
    """The traits of (gpu, head_dim, causal): a list of (member, value, why), the `why` one line."""
    disp, sm, family = GPUS[gpu]
    if family == "turing":
        like = "" if gpu == "t4" else " (t4's tile: the same Turing chip class)"
        if d == 64:
            return [
                ("kBlockM", 64, f"4 warps x 16 rows; 27 KiB lets 2 blocks share an SM{like}"),
                ("kBlockN", 64, "a (64, 64) K and V tile each; S is 32 f32 registers/thread"),
                ("kWarps", 4, None),
                ("kWarpRows", 16, "one 16-row MMA tile per warp"),
                ("kStages", 1, "no cp.async on sm_75: copies go through registers, 27 KiB"),
                ("kQInRegisters", True, "16 registers, read once instead of every key block"),
                ("kMinBlocksPerSm", 2, None),
            ]
        return [
            ("kBlockM", 64, f"4 warps x 16 rows: 64 KiB of shared memory per block on Turing{like}"),
            ("kBlockN", 64, "a (64, 128) K and V tile each; S is 32 f32 registers/thread"),
            ("kWarps", 4, None),
            ("kWarpRows", 16, "one 16-row MMA tile per warp"),
            ("kStages", 1, "no cp.async on sm_75, and 2 stages (85 KiB) exceed 64 KiB: 51 KiB"),
            ("kQInRegisters", False, "Q fragments reloaded from shared memory: keeps registers near 128"),
            ("kMinBlocksPerSm", 1, None),
        ]
    if family == "sm80":
        if d == 32:
            return [
                ("kBlockM", 128, "4 warps x 32 rows, as at d64"),
                ("kBlockN", 64, "O (32) + S (64) + Q (16) registers/thread: far under 255"),
                ("kWarps", 4, None),
                ("kWarpRows", 32, "each K/V fragment feeds 2 MMA row tiles: half the ldmatrix traffic"),
                ("kStages", 2, f"cp.async double buffer: {kib(smem(128, 64, 32, 2))}, 2+ blocks/SM on a100"),
                ("kQInRegisters", True, "16 registers, read once instead of every key block"),
                ("kMinBlocksPerSm", 2, None),
            ]
        if d == 96:
            return [
                ("kBlockM", 128, "4 warps x 32 rows, h100's d96 tile (the same mma.sync template)"),
                ("kBlockN", 64, "O (96) + S (64) f32 registers/thread; 12 chunks/row: flat-index copy"),
                ("kWarps", 4, None),
                ("kWarpRows", 32, "each K/V fragment feeds 2 MMA row tiles: half the ldmatrix traffic"),
                ("kStages", 2, f"cp.async double buffer: {kib(smem(128, 64, 96, 2))}, 2 blocks fit 164 KiB/SM on a100"),
                ("kQInRegisters", False, "Q re-read from shared memory: registers go to O at 32 rows"),
                ("kMinBlocksPerSm", 2, None),
            ]
        if d in (192, 256):
            bn = 64 if d == 192 else 32
            return [
                ("kBlockM", 128, f"8 warps x 16 rows (FA2's d{d} tile): O is {d // 2} f32 registers/thread"),
                ("kBlockN", bn, f"{kib(smem(128, bn, d, 2))} of a100's 163 KiB per block"
                 + ("" if bn == 64 else f" (BN=64 would take {kib(smem(128, 64, d, 2))})")),
                ("kWarps", 8, None),
                ("kWarpRows", 16, f"one 16-row MMA tile per warp: 32 rows would need {d} O registers"),
                ("kStages", 2, "cp.async double buffer, 1 block/SM"),
                ("kQInRegisters", False, "Q re-read from shared memory: registers go to O"),
                ("kMinBlocksPerSm", 1, None),
            ]
        if d == 64:
            return [
                ("kBlockM", 128, "4 warps x 32 rows, as on h100 (no spill since the masked steps are a separate loop)"),
                ("kBlockN", 64, "O (64) + S (64) + Q (32) registers/thread fit 255 with no spill"),
                ("kWarps", 4, None),
                ("kWarpRows", 32, "each K/V fragment feeds 2 MMA row tiles: half the ldmatrix traffic"),
                ("kStages", 2, f"cp.async double buffer: {kib(smem(128, 64, 64, 2))}, 2 blocks (register-bound) fit 164 KiB/SM on a100"),
                ("kQInRegisters", True, "32 registers, read once instead of every key block"),
                ("kMinBlocksPerSm", 2, None),
            ]
        return [
            ("kBlockM", 128, "4 warps x 32 rows: 300 TFLOP/s on H100 vs 254 at 16 rows per warp"),
            ("kBlockN", 32, "O (128) + S (32) f32 registers/thread fit 255 with no spill; BN=64 spills"),
            ("kWarps", 4, None),
            ("kWarpRows", 32, "each K/V fragment feeds 2 MMA row tiles: half the ldmatrix traffic"),
            ("kStages", 2, f"cp.async double buffer: {kib(smem(128, 32, 128, 2))}, 2 blocks/SM on a100"),
            ("kQInRegisters", False, "Q re-read from shared memory: no registers left for it at 32 rows"),
            ("kMinBlocksPerSm", 2, None),
        ]
    if family == "sm8x":
        if d == 64:
            return [
                ("kBlockM", 128, "4 warps x 32 rows, as on a100/h100"),
                ("kBlockN", 32, f"{kib(smem(128, 32, 64, 2))}: 2 blocks fit 100 KiB/SM on {sm}; BN=64 ({kib(smem(128, 64, 64, 2))}) fits one"),
                ("kWarps", 4, None),
                ("kWarpRows", 32, "each K/V fragment feeds 2 MMA row tiles: half the ldmatrix traffic"),
                ("kStages", 2, "cp.async double buffer (1 stage of BN=64 is as small, but waits on every copy)"),
                ("kQInRegisters", True, "32 registers, read once instead of every key block"),
                ("kMinBlocksPerSm", 2, f"2 x {kib(smem(128, 32, 64, 2))} of shared memory per SM on {sm}"),
            ]
        return [
            ("kBlockM", 128, "4 warps x 32 rows, as on a100/h100"),
            ("kBlockN", 32, f"a100's tile: BN=64 x 2 stages ({kib(smem(128, 64, 128, 2))}) exceeds 99 KiB per block on {sm}"),
            ("kWarps", 4, None),
            ("kWarpRows", 32, "each K/V fragment feeds 2 MMA row tiles: half the ldmatrix traffic"),
            ("kStages", 3, f"3 stages ({kib(smem(128, 32, 128, 3))}) fit 99 KiB on {sm}: 1 block/SM with 2 or 3, so a deeper cp.async pipeline"),
            ("kQInRegisters", False, "Q re-read from shared memory: no registers left for it at 32 rows"),
            ("kMinBlocksPerSm", 1, f"one {kib(smem(128, 32, 128, 3))} block per 100 KiB SM on {sm}"),
        ]
    # hopper
    like = "" if gpu == "h100" else " (h100's tile: same sm_90a chip class, more HBM)"
    if d == 32:
        return [
            ("kBlockM", 128, "4 warps x 32 rows, as at d64"),
            ("kBlockN", 64, "O (32) + S (64) + Q (16) registers/thread: far under 255"),
            ("kWarps", 4, None),
            ("kWarpRows", 32, "each K/V fragment feeds 2 MMA row tiles: half the ldmatrix traffic"),
            ("kStages", 2, f"cp.async double buffer: {kib(smem(128, 64, 32, 2))} of 227 KiB"),
            ("kQInRegisters", True, "16 registers, read once instead of every key block"),
            ("kMinBlocksPerSm", 2, None),
        ]
    if d == 96:
        return [
            ("kBlockM", 128, "4 warps x 32 rows, as at d128: O (96) + S (64) f32 registers/thread"),
            ("kBlockN", 64, "d128's tile; 12 chunks/row do not divide 128 threads: flat-index copy"),
            ("kWarps", 4, None),
            ("kWarpRows", 32, "each K/V fragment feeds 2 MMA row tiles: half the ldmatrix traffic"),
            ("kStages", 2, f"cp.async double buffer: {kib(smem(128, 64, 96, 2))}, 2 blocks/SM on {gpu}"),
            ("kQInRegisters", False, "Q re-read from shared memory: registers go to O at 32 rows"),
            ("kMinBlocksPerSm", 2, None),
        ]
    if d in (192, 256):
        return [
            ("kBlockM", 128, f"8 warps x 16 rows (FA2's d{d} tile): O is {d // 2} f32 registers/thread"),
            ("kBlockN", 64, f"S is 32 registers/thread; {kib(smem(128, 64, d, 2))} of shared memory"),
            ("kWarps", 8, None),
            ("kWarpRows", 16, f"one 16-row MMA tile per warp: 32 rows would need {d} O registers"),
            ("kStages", 2, f"cp.async double buffer: {kib(smem(128, 64, d, 2))} of 227 KiB, 1 block/SM"),
            ("kQInRegisters", False, "Q re-read from shared memory: registers go to O"),
            ("kMinBlocksPerSm", 1, None),
        ]
    if d == 64:
        why = ("4 warps x 32 rows: no spill since the masked steps are a separate loop" if causal
               else "4 warps x 32 rows: 284 TFLOP/s on H100 vs 216 at 16 rows per warp")
        return [
            ("kBlockM", 128, why + like),
            ("kBlockN", 64, "O (64) + S (64) + Q (32) registers/thread fit 255 with no spill"),
            ("kWarps", 4, None),
            ("kWarpRows", 32, "each K/V fragment feeds 2 MMA row tiles: half the ldmatrix traffic"),
            ("kStages", 2, "cp.async double buffer: 54 KiB of 227 KiB"),
            ("kQInRegisters", True, "32 registers, read once instead of every key block"),
            ("kMinBlocksPerSm", 2, None),
        ]
    return [
        ("kBlockM", 128, f"4 warps x 32 rows: 300 TFLOP/s on H100 vs 254 at 16 rows per warp{like}"),
        ("kBlockN", 64, "FA2's tile: O (128) + S (64) f32 registers/thread; half the per-block softmax and O rescale of BN=32"),
        ("kWarps", 4, None),
        ("kWarpRows", 32, "each K/V fragment feeds 2 MMA row tiles: half the ldmatrix traffic"),
        ("kStages", 2, f"cp.async double buffer: 102 KiB, 2 blocks/SM on {gpu}"),
        ("kQInRegisters", False, "Q re-read from shared memory: no registers left for it at 32 rows"),
        ("kMinBlocksPerSm", 2, None),
    ]


def extra(gpu, d, causal):
    """Optional traits beyond the required ones (tuned on the H100; h200 shares them)."""
    if GPUS[gpu][2] == "hopper" and d == 128 and not causal:
        return [("kQkUnroll", 8, "Q K^T k loop fully unrolled: 8 B spill instead of 36 (lazy rescale), +0.7-6% at d128 full")]
    return []


# The Hopper family's traits per head_dim: (consumer warpgroups, BN, stages, why per trait).
# Every choice comes from the H100 runs of bench/results/h100-hopper-2026-11-25.md (bf16, the
# FA3 grid of 16k tokens, median of 20 launches; f16 measured within 3% of bf16).
FA3_TILES = {
    64: (3, 128, 2, {
        "kConsumerWGs": "3 x 64 rows at 160 registers: 551-575 TFLOP/s full and 500-528 causal at 8k-16k vs 463-470 and 448-482 with 2 (2 are 7-9% faster only at causal 512-1k)",
        "kBlockN": "BN 128: BN 192 with 2 warpgroups reached only 498 at 16k; S + P + O = 64 + 32 + 32 registers fit 160",
        "kStages": "K/V ring of 2 stages: the producer stays a block ahead (kernel.tl's Allocate line counts the shared memory)",
    }),
    128: (2, 128, 2, {
        "kConsumerWGs": "2 x 64 rows at 240 registers: S + P + O = 64 + 32 + 64 registers per thread",
        "kBlockN": "BN 128: 709-727 TFLOP/s full 16k (cuDNN 639-657), 720 causal 16k",
        "kStages": "K/V ring of 2 stages: a third stage does not fit with BM 128 (kernel.tl's Allocate line counts the shared memory)",
    }),
    256: (2, 64, 2, {
        "kConsumerWGs": "2 x 64 rows at 240 registers: O alone is 128 registers per thread",
        "kBlockN": "BN 64: S + P + O = 32 + 16 + 128 registers fit 240; 784 TFLOP/s full 16k, 1.01-1.16x cuDNN on every cell",
        "kStages": "K/V ring of 2 stages: 192 KiB of 227",
    }),
}
# (head_dim, causal) -> why, for the entries on the persistent schedule (kPersistent: grid = SMs,
# a static tile order, the next tile's Q and K/V loaded under the current tile's last GEMMs and
# epilogue, O staged in its own tile). Measured in runs 3-4 of bench/results/h100-hopper-2026-11-25.md;
# causal and d64 stay on one block per tile (persistent causal loses at 16k, 2-WG d64 from 2k).
FA3_PERSISTENT = {
    (128, False): "persistent: 496-716 TFLOP/s, 1.06-1.13x cuDNN on every cell of the FA3 grid, vs 441-711 (0.94x at 512) with a block per tile",
}
# Causal sliding windows go persistent too: every tile of a window does about the same work (the
# causal imbalance that keeps the plain causal entries on a block per tile is gone). Measured
# equal to a block per tile within noise at 8k (0.783 vs 0.791 x plain in one call,
# bench/results/h100-variants-2026-11-26.md); kept as the configuration that call verified.
FA3_PERSISTENT_WINDOW = "persistent: a window's tiles do equal work and are short (9 key blocks at 1024 keys), so the next tile's loads and this one's epilogue overlap (bench/results/h100-variants-2026-11-26.md)"
# (head_dim, causal) -> the short-sequence schedule of a two-schedule entry: (consumer
# warpgroups, the most keys it runs, K/V stages, {fa3_fwd.cuh softmax option: (value, why)}, why). The entry's launcher runs it (persistent) on calls
# with seqlen_k <= the bound and the FA3_TILES / FA3_PERSISTENT schedule on longer ones; the
# bound is ShortSpec::kMaxSeqlenK in kernel.cu and `Schedule persistent when S_k <= N` in
# kernel.tl (pinned to each other by qimeng-tl/tests/plan_matches_cuda.rs). TFLOP/s from run 4
# of bench/results/h100-hopper-2026-11-25.md (H100, bf16, the FA3 grid: 16k tokens); the stages
# from the hop6 call of bench/results/h100-fa3-entries-2026-11-26.md (the harness, beside cuDNN);
# the softmax options (FA3_ROWS) and d64 causal's 4k bound from hop7's calls there.
# The ALiBi and softcap variants of a (head_dim, causal) in this table take its two schedules
# too (hvar3, bench/results/h100-variants-2026-11-26.md run 4: at 8k the causal variants gain
# what the plain entry gained from persistence); windows keep FA3_PERSISTENT_WINDOW, varlen its
# one schedule.
FA3_SHORT = {
    (128, True): (2, 8192, 2, {"kRowBoundMask": True}, "persistent up to 8k keys: 316 / 456 / 567 / 638 / 676 TFLOP/s at 512 .. 8k, 1.08-1.17x cuDNN, vs 271 / 396 / 512 / 601 / 653 with a block per tile; at 16k persistent makes 489 (0.78x: a round of 132 tiles is about one head, the static split uneven) and a block per tile 711"),
    (64, False): (2, 1024, 3, {"kRowPartials": 4}, "2 warpgroups persistent up to 1k keys: 356 / 401 TFLOP/s at 512 / 1k vs 312 / 396 with 3 per tile (BM 192 overhangs 512 and 1k rows by 1/8); 3 per tile lead from 2k (485 vs 429); a 3-stage ring alone is within 1% of 2 stages (+0.9 / -0.2% at 512 / 1k, hop9), and with two Q buffers and the deferred epilogue (FA3_BOUNDARY) +0.5 / +1.0% over them (hop6 had measured 3 stages 1% slower here); the row max and sum in 4 partial chains: +1.5% / +6.4% at 512 / 1k (2 chains: +1.6% / +4.8%)"),
    (64, True): (2, 4096, 3, {"kRowPartials": 2, "kRowBoundMask": True, "kUniformQ": True}, "2 warpgroups persistent up to 4k keys: 239 / 321 / 374 TFLOP/s at 512 / 1k / 2k vs 177 / 252 / 367 with 3 per tile; a 3-stage K/V ring (128 KiB) adds 1-3% at 512-2k (248 / 334 / 386 vs 242 / 328 / 381); the row max and sum in 2 partial chains add 1.3 / 2.6 / 3.6% at 512 / 1k / 2k (4 chains: 1.0-1.8%) and make it 1.04x the 3 per tile schedule at 4k, 0.95x at 8k"),
}
# Not kept (hop13, bench/results/h100-fa3-entries-2026-11-26.md "Session 7 (hop13)"): a d128
# full short schedule up to 1k / 2k keys (kUniformQ, with kRowPartials 2 / 4, BN 64 in 4 stages)
# and d64 full's with kRowPartials 2, kUniformQ, 4 stages or BN 64; the best gained +0.4% (d128
# 512, kUniformQ) and +0.6% (d64 512, 2 chains: -0.3% at 1k), BN 64 lost 10-21%.
# The softmax options a ShortSpec may set (fa3_fwd.cuh), and why, for kernel.cu's comment.
FA3_ROWS = {
    "kRowPartials": "the softmax's row max and sum in {} partial chains: shorter dependent chains for a warp alone on its scheduler (hop7)",
    "kRowBoundMask": "masked blocks (the diagonal) compare key offsets with per-row bounds: 2 instructions a score, not 4 (hop7)",
    "kUniformQ": "Q's wgmma descriptors in uniform registers, not moved over from vector registers each k step: +0.2 / +1.1 / +2.4 / +3.8% at 512 / 1k / 2k / 4k (hop8)",
}
# (head_dim, causal) -> (the tile-boundary options (FA3_TURNS) of the plain entries' (no variant)
# short persistent schedule, why): hop9, bench/results/h100-fa3-entries-2026-11-26.md session 6
# (the entry over main's in one process, two calls). d128 full keeps none: kQStages lost 1-2%
# at 1k-16k, kDeferEpilogue 3% at 512, kUniformQ +0.5% at 512 but -0.3..-0.5% at 4k-16k.
FA3_BOUNDARY = {
    (64, False): (("kQStages", "kDeferEpilogue"), "with the 3-stage ring: +0.5 / +1.0% at 512 / 1k (the deferred epilogue alone -4%, with two Q buffers it gains)"),
    (64, True): (("kQStages",), "+1.0 / +0.4 / +1.1 / +1.4% at 512 / 1k / 2k / 4k (with the deferred epilogue too -2.3% at 512)"),
    (128, True): (("kQStages", "kDeferEpilogue"), "+1.2..1.5% at 512, +0.1% at 1k / 2k, +0.6..0.9% at 4k, +1.1..1.3% at 8k"),
}
FA3_TURNS = {
    "kQStages": ("int", "2", "two Q buffers: the producer loads the next tile's Q under this tile's key blocks"),
    "kDeferEpilogue": ("bool", "true", "each warpgroup stores O after the next tile's first S GEMM, so the turn after that GEMM does not wait for its epilogue"),
}
# (head_dim, causal) -> why, for the plain entries' short persistent schedules that take
# fa3_fwd.cuh's kEvenTail (hop12: the tail rounds' tiles longest first across their heads).
# Measured (bench/results/h100-fa3-entries-2026-11-26.md, "Session 7 (hop12)", ab.py over main
# in one process, two samples): d64 causal +1.8 / +0.9% at 512, +1.1 / +1.2% at 1k, 2k-4k
# within 0.5% (no tail there: 2G is not a multiple of 16 or 32). d128 causal is left out: 0.99x
# main at 2k-8k, where its order is unchanged (the tail's arithmetic in the tile loop costs
# there), and 512 too noisy to read (0.988, then 1.209, cuDNN itself 0.85-1.01x across rounds).
FA3_EVEN_TAIL = {
    (64, True): "the last two or three rounds' tiles longest first across their heads: in a model (tile = c0 + key blocks) of 512 keys, the busiest of 132 blocks 1.3% over the mean, not 3.1% (hop12)",
}
# The entries whose persistent schedule runs the overlapped pipeline across tiles (kCrossTile:
# a tile's last P V GEMM rides in the next tile's first turn, after its first S GEMM, and its
# epilogue follows the next tile's first softmax; it replaces kDeferEpilogue): (head_dim,
# causal) of the plain entries' short schedule -> why (hop11, bench/results/h100-fa3-entries-2026-11-26.md
# and h100-variants-2026-11-26.md, "Session 7 (hop11)"; each the entry over main's in one
# process). Not set elsewhere: d128 full -7.2 / -3.8 / -2.3 / -0.9% at 512 / 1k / 2k / 4k; d64
# full -4.5 / -5.7% at 512 / 1k; d64 causal -0.3 / -1.9 / -3.0 / -3.4% at 512 / 1k / 2k / 4k
# (the build with step 0 in two copies had +0.4..0.5% there, and lost more everywhere else);
# the window entries -1.9% (w1024_0), -3.7% (w256_256), -2.3% (w1024_0 + softcap) in x plain.
FA3_CROSS = {
    (128, True): "+1.4 / +0.4 / +0.3 / -0.2 / -0.1% at 512 / 1k / 2k / 4k / 8k over two Q buffers and the deferred epilogue",
}
FA3_CROSS_LINE = "\n    static constexpr bool kCrossTile = true;  /* a tile's last P V GEMM in the next tile's first turn, its epilogue under the next tile's first softmax (hop11: bench/results/h100-*-2026-11-26.md, session 7) */"
# (head_dim, causal) -> (bound, why): the plain entries whose short schedule also comes as a
# third one, TinySpec (the ShortSpec plus fa3_fwd.cuh's lean epilogue, kLeanEpilogue), for
# calls of up to `bound` keys. d64 full: the lean epilogue gains at 512 keys and loses at 1k
# (hepi: +2.7 / -0.9%; session 7's closing samples with it on the whole short schedule: 512
# 0.997 -> 1.016 / 1.017x cuDNN, 1k 1.015 -> 1.000 / 0.998x; bench/results/h100-fa3-entries-2026-11-26.md).
FA3_TINY = {
    (64, False): (512, "the lean epilogue (shared-window stores, stmatrix, rcp.approx) where it gains: +2.7% at 512 keys, -0.9% at 1k (hepi, session 7)"),
}
# fa3_fwd.cuh's kSpecExp (the speculative lazy softmax: an unmasked block's exp2s at the running
# max before its own max is known, the max from P's bits afterwards): the Spec schedules that take
# it, by head_dim, and why (session 10, bench/results/h100-fa3-entries-2026-11-26.md, "Session 10";
# bench/ab_var.py, each build's entry over main's in one process, b x s = 16k tokens, q x 1 and
# 4). Plain entries (bf16 and f16) and their short schedules, except d64's short one (-5.5% at 1k
# keys: its softmax has its row max in partial chains already); the window and varlen entries
# (not with softcap: its bf16 kernels take no max after a tile's first block, kFixedMax). ALiBi
# takes it with its key blocks visited outward from the diagonal (fa3_fwd.cuh's kOutward, session
# 11): in key order its bias lifts a row's max by up to ~130 (log2 units) a key block on the
# steepest head, and full ALiBi lost 2.6-2.9% (session 10).
FA3_SPEC = {
    64: "the speculative softmax on the 3-warpgroup schedule: +2.7% causal, +4.5% full at 8k keys",
    128: "the speculative softmax: plain +0.3..1.1% at 512, +2.4..4.5% at 1k-2k, +4.4..6.4% at 4k-16k keys (f16 +4.6..5.8% at 8k), the same at q x 4 and 8; windows +1.5..3.6%, varlen +4..8%",
    256: "the speculative softmax: +2.8 / +4.3% causal / full at 1k keys, +6.4..7.0% at 8k",
}
FA3_SPEC_ALIBI = (
    "the speculative softmax, key blocks outward from the diagonal (kOutward): x plain 0.877 -> "
    "0.931 causal, 0.866 -> 0.890 full at 8k keys, 0.92-0.97 / 0.89 at 2k-16k; full at 1k 0.921 -> 0.908 "
    "(session 11, bench/results/raw/s11/call3-ab.log)"
)
# fa3_fwd.cuh's kAlibiPreload = false on full ALiBi (session 15, bench/results/raw/s15/call4-ab.log:
# bench/ab_var.py, x plain in one process): ncu (call 3) found full ALiBi's consumer warps waiting
# ~8% of their samples on the table preload's 16 LDS.128 (the next S GEMM accumulates onto them);
# the key part in each score's exp2 offset instead (one FFMA a score that does not wait for S):
# 1.623 -> 1.566 ms at 8k keys, 3.186 -> 3.104 at 16k, 1.626 -> 1.583 at 8k q x 4, 0.405 -> 0.402 at
# 2k. Causal ALiBi keeps the preload: without it 0.3..1.3% slower at 2k-16k (same call).
FA3_ALIBI_NO_PRELOAD = (
    "the key part of the bias in each score's exp2 offset (one FFMA a score, off S's path), not "
    "16 LDS.128 into S: +3.6% at 8k keys, +2.6% at 16k, +0.7% at 2k; causal ALiBi keeps the "
    "preload (session 15)"
)
# d64's 3-warpgroup Spec with kSpecExp spilled 24 bytes (full), reloaded every key block (the
# session-10 review): kUniformQ removes the spill there. Session 11, bench/results/raw/s11/
# call12-ab.log (bf16 and f16, in one process): causal +2.0% at 8k-16k and q x 4, +0.0% at 2k-4k;
# full +0.8..1.5% at 2k-16k. The short schedules keep what they had (full's without it).
FA3_SPEC_UNIFORM_Q = {64: "Q's wgmma descriptors in uniform registers: without them the speculative softmax's S recompute spilled 24 bytes, reloaded every key block; causal +2.0% at 8k-16k, full +0.8..1.5% at 2k-16k (session 11)"}
FA3_SPEC_SHORT_OFF = {64: "not on the short schedule: -5.5% at 1k keys"}
# fa3_fwd.cuh's kQScale on the bf16 softcap entries (session 13, bench/results/raw/s13/call4-ab.log
# and call8-ab.log, x plain in one process, q x 1): causal softcap 0.88 -> 0.92 at 8k, 0.91 ->
# 0.94 at 16k, Gemma 2's w4096_0 + softcap 0.85 -> 0.89; q x 4-8 -1.5..2.5%; rel L2 against f32
# 2.1e-3 -> 2.6e-3 at q x 1 (Q rounded to bf16 once more after its scale).
FA3_QSCALE = (
    "Q scaled in shared memory per tile so that the narrow tier's polynomial takes two FFMAs a "
    "score, not three: +4.5% at 8k keys, +3% at 16k (q x 1), -1.5..2.5% at q x 4-8; rel L2 "
    "2.1e-3 -> 2.6e-3 (session 13)"
)


# fa3_fwd.cuh's kTensorSum (the row sums l in the P V GEMM: each V stage carries a box of ones past
# the head dim and the wgmma's N is head_dim + 8; no FADD per score in the softmax). Session 14,
# bench/results/raw/s14/call4-ab.log and call5-ab.log (bench/ab_var.py, each build's entry over
# main's in one process, H100, b x s = 16k tokens): d128 full +1.7 / +2.7 / +3.0 / +3.3% at 2k /
# 4k / 8k / 16k (f16 +2.7% at 8k), d128 causal +2.0% at 16k, d64 causal +2.3 / +2.9% and full +2.5
# / +2.8% at 8k / 16k (f16 the same). Not on d256 (N would pass 256), not on the short schedules
# (d128 causal's, with one Q buffer and no kCrossTile to make room: -3.4 / -1.1% at 512 / 1k; d64's
# -2.8..-6.3% at 512-4k), and among the variants only where measured to gain: ALiBi (causal +2.0 /
# +1.3%, full +1.0 / +1.2% at 8k / 16k), the softcap windows (with kKStages 2: the ones take K's
# third stage; Gemma 2's w4096_0 + softcap +4.6 / +2.5%, w1024_0 + softcap +3.8 / +3.0%), causal
# softcap on its short schedule (+1.3% at 8k, +1.6% at 2k; its block-per-tile Spec -0.9% at 16k).
# Not the long plain windows (kKStages 2 costs w4096_0 3% at 16k) nor varlen (+0.3..0.7%, noise).
# The short plain windows take it (session 16, bench/results/raw/s16/call2-ab.log, two samples in
# one process each: w1024_0 +1.8 / +1.3% at 8k, +0.6 / -0.1% at 16k; w256_256 +0.7 / -0.2% at 8k,
# +0.7 / +0.7% at 16k; w4096_0 +0.8 / +1.2% at 8k, -3.0 / -3.3% at 16k): windows of up to
# FA3_TENSOR_SUM_WINDOW keys a row.
FA3_TENSOR_SUM_WINDOW = 1025
FA3_TENSOR_SUM_WHAT = "l in the P V GEMM (N = head_dim + 8 over a box of ones in each V stage): no FADD per score"
FA3_TENSOR_SUM = {
    64: FA3_TENSOR_SUM_WHAT + "; +2.3..2.9% at 8k-16k keys (session 14)",
    128: FA3_TENSOR_SUM_WHAT + "; +1.7..3.3% at 2k-16k keys full, +2.0% causal at 16k (session 14)",
}
FA3_TENSOR_SUM_VARIANT = FA3_TENSOR_SUM_WHAT + " (session 14: ALiBi +1.0..2.0%, Gemma 2's window +2.5..4.6%, w1024_0 + softcap +3.0..3.8%, causal softcap's short schedule +1.3%)"
FA3_TENSOR_SUM_SHORT_WINDOW = FA3_TENSOR_SUM_WHAT + " (session 16: w1024_0 +1.3..1.8% at 8k keys, 0 at 16k; w256_256 0..+0.7%; kKStages 2 makes room for the ones)"
FA3_TENSOR_SUM_SHORT_OFF = {
    64: "not on the short schedule: -2.8..-6.3% at 512-4k keys (session 14)",
    128: "not on the short schedule: -3.4 / -1.1% at 512 / 1k keys, with one Q buffer and no kCrossTile to make room (session 14)",
}


def fa3_tensor_sum(d, v, causal, schedule):
    """Whether a Hopper schedule ("Spec" or "short") takes kTensorSum (FA3_TENSOR_SUM): the
    comment for its line (the measurement behind the rule that gave it), or "" when it does not."""
    if d not in FA3_TENSOR_SUM or v["varlen"]:
        return ""
    if v["alibi"]:
        return FA3_TENSOR_SUM_VARIANT
    if v.get("softcap"):
        return FA3_TENSOR_SUM_VARIANT if v["window"] or schedule == "short" else ""
    if v["window"]:
        return FA3_TENSOR_SUM_SHORT_WINDOW if window_keys(v, causal) <= FA3_TENSOR_SUM_WINDOW else ""
    return FA3_TENSOR_SUM[d] if schedule == "Spec" else ""


# fa3_fwd.cuh's kMaskedFold (a masked block whose warp's scores are all in the narrow tier takes
# the cubic folded into its exp2s, then the mask, instead of MUFU tanh). Session 17, bench/results/
# raw/s17/call6-ab.log .. call8-ab.log (bench/ab_var.py, in one process): w1024_0 + softcap +1.0..1.9%
# at 8k and 16k keys over the same entry with kHeadGroup 0 (+2.4..3.0% with both, over main's),
# causal softcap's short schedule +2.3% at 8k, Gemma 2's w4096_0 + softcap +0.3%; within 0.6% at
# q x 4 and 8. It needs kFixedMax (bf16, cap log2(e) <= 100) and kRowBoundMask's per-row bounds:
# the windows' Spec, causal softcap's short schedule.
FA3_MASKED_FOLD = (
    "a masked block whose warp's scores are all narrow takes the cubic folded into its exp2s, "
    "masked after, not MUFU tanh: w1024_0 + softcap +1.0..1.9%, causal softcap's short schedule "
    "+2.3% at 8k keys, Gemma 2's window +0.3% (session 17)"
)


def fa3_masked_fold(dtype, v):
    """Whether a Hopper softcap Spec with kRowBoundMask takes kMaskedFold (fa3_fwd.cuh's
    kFixedMax rule: bf16 and cap log2(e) <= 100)."""
    return dtype == "bf16" and bool(v.get("softcap")) and v["softcap"] * 1.4426950408889634 <= 100 and not v["alibi"]


def window_keys(v, causal):
    """Keys a row of a sliding window sees: left + 1 causal, left + right + 1 otherwise."""
    left, right = v["window"]
    return left + 1 + (0 if causal else right)


def fa3_spec_exp(d, v):
    """Whether a Hopper entry's Spec takes FA3_SPEC's kSpecExp."""
    if v["alibi"]:
        # measured at d128 only; a window's half-block edges (kHalfEdges) assume key order,
        # which kOutward gives up
        return d == 128 and not v["window"]
    return d in FA3_SPEC and not v.get("softcap")


# The window entries' K ring, a stage deeper than V's (fa3_fwd.cuh's kKStages: the producer loads
# K_j before V_{j-1}, and a tile's Q after its K_0 and the last V of the tile before it). hwin5,
# bench/results/h100-variants-2026-11-26.md "Session 8 (hwin5)", x plain in one process against
# the two-stage ring: w256_256 +2.7 / +2.4% at 8k, +1.7% at 4k; w1024_0 and w1024_0 + softcap
# within 1% (+0.8 / -0.2 / +0.2%, +0.4 / +0.3 / 0.0%). Q 32 + O 32 + 3 x K 32 + 2 x V 32 KiB: 224.
FA3_WINDOW_KSTAGES = 3
FA3_WINDOW_KSTAGES_LINE = (
    f"\n    static constexpr int kKStages = {FA3_WINDOW_KSTAGES};  /* K's ring a stage deeper than V's "
    "(224 KiB of 227), K one block ahead: the next tile's first K loads under this tile's last "
    "blocks (hwin5: +2.4..2.7% w256_256, w1024_0 within 1%; bench/results/h100-variants-2026-11-26.md) */"
)
# The window entries' persistent tile order past ~8k query rows (fa3_fwd.cuh's kHeadGroup: when a
# round of 132 tiles would cover fewer than two (head, batch) pairs, the tiles run in groups of 16
# pairs taking turns per query block). Session 9 (bench/results/h100-variants-2026-11-26.md,
# "Session 9 (w3, calls 4-7)", call 7), x plain at 16k against the committed order: w4096_0
# 0.83 -> 0.95, w4096_0 + softcap 0.75 -> 0.86, w1024_0 +2%, w256_256 +0.5..2.5%, w1024_0 +
# softcap 0; at 8k and 4k the order is the committed one (within 0.7%). Other group sizes at 16k
# (calls 6 and 9), w4096_0: 2 pairs 0.83, 4 pairs 0.88, 8 pairs 0.91.
# Session 17 measured it again at 16k on the current kernels (bench/results/raw/s17/call4-ab.log,
# call5-ab.log, three samples each in one process): w4096_0 +14%, w256_256 +1.5..2%, but the
# 1024-key window is faster without it (w1024_0 +1.0..1.4%, w1024_0 + softcap +1.6..2.2%; groups
# of 8 or 4 pairs lose 2-3% more), so FA3_WINDOW_NO_HEAD_GROUP lists it, by (left, right), with
# its line. Session 18 put the 4096-key windows there too: kShortLast (below) orders their tiles
# past ~8k rows better than the head groups.
FA3_WINDOW_HEAD_GROUP = 16
FA3_WINDOW_HEAD_GROUP_LINE = (
    f"\n    static constexpr int kHeadGroup = {FA3_WINDOW_HEAD_GROUP};  /* past ~8k rows a round of tiles "
    f"spans {FA3_WINDOW_HEAD_GROUP} (head, batch) pairs, not one pair's rows (session 9: w4096_0 at 16k 0.83 -> 0.95x "
    "plain; bench/results/h100-variants-2026-11-26.md) */"
)
FA3_WINDOW_NO_HEAD_GROUP = {
    (1024, 0): (
        "\n    static constexpr int kHeadGroup = 0;  /* the committed tile order at every length: 16 (head, batch) "
        "pairs a round cost this window 1..2.2% at 16k keys, 8 or 4 pairs more (session 17, "
        "bench/results/h100-variants-2026-11-26.md) */"
    ),
    (4096, 0): (
        "\n    static constexpr int kHeadGroup = 0;  /* no head groups: past ~8k rows kShortLast orders the tiles, "
        "which beat 16 (head, batch) pairs a round by +1.1..2.7% with softcap, +0.4..0.7% without, at 16k keys "
        "(session 18, bench/results/h100-variants-2026-11-26.md) */"
    ),
}
# The causal windows' cut tiles last where a round covers about one pair (fa3_fwd.cuh's
# kShortLast; the switch is kHeadGroup's). Session 18 (bench/results/h100-variants-2026-11-26.md,
# "Session 18", ab_var at 16k in one process): calls 2 and 8, over the committed order, w1024_0
# +0.6..1.9%, w1024_0 + softcap +0.1..1.2% (seven samples each; dealt last at every length it
# lost 0.6-5.3% at 4k-8k); call 10, over kHeadGroup 16, Gemma 2's w4096_0 + softcap +1.1..2.7%,
# Mistral's w4096_0 +0.4..0.7% (three samples each). By (left, right), with its line.
FA3_WINDOW_SHORT_LAST = {
    (1024, 0): (
        "\n    static constexpr bool kShortLast = true;  /* past ~8k rows, the query blocks the sequence's "
        "start cuts run last: +0.6..1.9% on w1024_0, +0.1..1.2% with softcap at 16k keys (session 18, "
        "bench/results/h100-variants-2026-11-26.md) */"
    ),
    (4096, 0): (
        "\n    static constexpr bool kShortLast = true;  /* past ~8k rows, the query blocks the sequence's "
        "start cuts run last: +1.1..2.7% on Gemma 2's window, +0.4..0.7% on Mistral's at 16k keys, over "
        "kHeadGroup 16 (session 18, bench/results/h100-variants-2026-11-26.md) */"
    ),
}
FA3_GPUS = ("h100", "h200")


def is_fa3(gpu, dtype, d):
    return gpu in FA3_GPUS and dtype in ("f16", "bf16") and d in FA3_TILES


def fa3_smem(wgs, bn, d, stages, persistent=False, qstages=1, kstages=None, tsum=False):
    kv = stages + (kstages if kstages is not None else stages)
    ones = stages * bn * 64 if tsum else 0  # kTensorSum: a 128-byte box of ones per V stage
    return (64 * wgs * d * (qstages + (1 if persistent else 0)) + kv * bn * d + ones) * 2


def fa3_window_tuned(v, d, bn):
    """The window entries that take FA3_WINDOW_KSTAGES and FA3_WINDOW_HEAD_GROUP: d128 BN 128,
    the measured ones (varlen windows run fa2_fwd.cuh)."""
    return bool(v["window"]) and not v["varlen"] and d == 128 and bn == 128


def fa3_variants_ok(v):
    """Variants fa3_fwd.cuh implements: each alone; varlen with another variant stays on
    fa2_fwd.cuh (not yet verified on the device: the -w1024_0-varlen entry)."""
    return v is None or not v["varlen"] or not (v["window"] or v.get("softcap") or v["alibi"])


def variant_words(v):
    words = []
    if v["window"]:
        words.append("sliding window (%d, %d)" % v["window"])
    if v.get("softcap"):
        words.append("logits soft-capped at %d" % v["softcap"])
    if v["alibi"]:
        words.append("ALiBi")
    if v["varlen"]:
        words.append("packed variable-length sequences")
    return words


def spec_json(gpu, dtype, d, causal, v):
    spec_obj = {"gpu": gpu, "dtype": dtype, "head_dim": d, "causal": causal}
    if v["window"]:
        spec_obj["window"] = list(v["window"])
    if v.get("softcap"):
        spec_obj["softcap"] = v["softcap"]
    if v["alibi"]:
        spec_obj["alibi"] = True
    if v["varlen"]:
        spec_obj["varlen"] = True
    return json.dumps(spec_obj) + "\n"


def variant_tl(v, causal, indent):
    """The variant statements of one key block's softmax step: (loop lines, score lines, mask
    lines), as fa2_fwd.cuh and fa3_fwd.cuh apply them (cap or bias before the masks)."""
    if v["window"]:
        loop = ["# Key blocks wholly outside the window of every row of block i are never loaded.",
                "Loop j over key blocks in the window of block i"]
    else:
        loop = ["Loop j over key blocks up to the diagonal of block i" if causal else "Loop j over key blocks"]
    if v.get("softcap"):
        score = ["Compute scale S by softmax_scale",
                 "Compute softcap S by %d  # before any mask: tanh(-inf) = -1" % v["softcap"],
                 "Compute scale S by log2(e)"]
    elif v["alibi"]:
        # The slopes apply to softmax_scale * Q K^T (natural units), before the masks; the
        # kernels fold the scale into their exp2, the plan spells it out.
        score = ["Compute scale S by softmax_scale",
                 "Compute bias S by -slope * abs(query + S_k - S_q - key)  # ALiBi, bottom-right",
                 "Compute scale S by log2(e)"]
    else:
        score = ["Compute scale S by softmax_scale * log2(e)"]
    mask = ["Compute mask S where key >= S_k (tail block only)"]
    if v["window"]:
        mask.append("Compute mask S where key < query + S_k - S_q - %d" % v["window"][0])
    if causal:
        mask.append("Compute mask S where key > query + S_k - S_q (diagonal blocks only)")
    elif v["window"]:
        mask.append("Compute mask S where key > query + S_k - S_q + %d" % v["window"][1])
    return loop, [indent + x for x in score], [indent + x for x in mask]


NO_VARIANTS = {"window": None, "softcap": None, "alibi": False, "varlen": False}


def fa3_program(dtype, d, causal, wgs, bn, stages, pers, v, intro=True, qstages=1, defer=False,
                cross=False, kstages=None, tsum=False):
    """The TL of one schedule: `param` to the store (after a comment on its warpgroups and, if
    persistent, its tile loop, unless intro is false); qstages: its Q buffers (kQStages);
    defer: kDeferEpilogue; cross: kCrossTile; kstages: K's ring depth if not STAGES
    (kKStages; the TL's sK stays STAGES deep, a comment says so); tsum: kTensorSum (l from the
    GEMM P, sV, a comment says so)."""
    bm = 64 * wgs
    warps = 4 * (1 + wgs)
    regs = 240 if wgs == 2 else 160  # Fa3Config::kConsumerRegs
    role_c = f"Role consumer (warps {4 * wgs}, registers {regs}, pingpong, overlap)"
    role_p = "Role producer (warps 4, registers 24)"
    loop, score, mask = variant_tl(v, causal, "    ")
    at = "sequence" if v["varlen"] else "batch"
    tl = [
        f"# {wgs} consumer warpgroups (64 query rows each, setmaxnreg {regs}); the {4 * wgs} consumer warps release each stage.",
    ] if intro else []
    q_next = ([
        "# loads the next tile's Q into the other of two sQ buffers (tiles take them in turn) once",
        "# the tile before this one is done with it, under this tile's key blocks, and its K, V into",
        "# the same ring, under this tile's last GEMMs and epilogue; O is staged in",
    ] if qstages == 2 else [
        "# loads the next tile's Q once every consumer warp's last GEMM sQ, sK^T of this tile is done,",
        "# and its K, V into the same ring, under this tile's last GEMMs and epilogue; O is staged in",
    ])
    tl += ([
        f"# Persistent: one block per SM runs tiles (row block i, head, {at}) in turn; the producer",
    ] + q_next + [
        "# its own shared tile, so the next tile need not wait for the store. The pingpong turns run",
        "# on across tiles: the first warpgroup's next tile starts under the last one's epilogue.",
    ] + ([
        "# Each warpgroup runs a tile's epilogue after issuing the next tile's first GEMM sQ, sK^T,",
        "# under it, so the turn after that GEMM does not wait for the store.",
    ] if defer else []) + ([
        "# Each warpgroup issues a tile's last GEMM P, sV in the next tile's first turn, after that",
        "# tile's first GEMM sQ, sK^T, runs the next tile's first softmax under it, then the epilogue.",
    ] if cross else []) + ([
        f"# K has a ring of its own, {kstages} stages (sK below: STAGES, as the TL's staged buffers share",
        "# one depth); the producer loads K_j before V_{j-1}, and the next tile's Q after its K_0 and",
        "# this tile's last V, so the next tile's first K loads under this tile's last blocks.",
    ] if kstages else []) if pers and intro else []) + ([
        "# Packed sequences: tiles (row block i, head h, sequence b), S_q, S_k sequence b's own",
        "# lengths; tiles past its end are skipped. Loads past its end read the next sequence's",
        "# rows (masked keys, discarded queries); a tail tile is stored row by row, not by TMA.",
    ] if v["varlen"] else []) + [
        f"param BM = {bm}, BN = {bn}, D = {d}, STAGES = {stages}, WARPS = {warps}",
        f"Allocate Q in global (S_q, D) {dtype} at {at} b, head h",
        f"Allocate K, V in global (S_k, D) {dtype} at {at} b, head h / GROUP",
        f"Allocate O in global (S_q, D) {dtype} at {at} b, head h",
        f"Allocate sQ in shared (BM, D) {dtype}",
        f"Allocate sK, sV in shared (STAGES, BN, D) {dtype}  # {fa3_smem(wgs, bn, d, stages, pers, qstages, kstages, tsum) // 1024} KiB in all"
        + (" with O's staging tile" if pers else "") + (" and a second sQ" if qstages == 2 else "")
        + (f" and sK {kstages} deep" if kstages else "")
        + (" and a box of ones in each sV stage" if tsum else "") + ", of 227",
        "Allocate S in register (BM, BN) f32",
        f"Allocate P in register (BM, BN) {dtype}",
        "Allocate O_acc in register (BM, D) f32",
        "Allocate m, l in register (BM) f32",
        "Barrier q_full for sQ",
        "Barrier k_full, k_empty for sK  # K and V apart: S_j starts before V_j lands",
        "Barrier v_full, v_empty for sV",
        role_p,
        "  Copy Q tile (BM, D) at [row block i] from global to sQ (tma; rows >= S_q as zeros)",
        "  Sync arrive q_full",
        "End",
        role_c,
        "  Sync wait q_full",
        "End",
    ] + loop + [
        "  " + role_p,
        "    Sync wait k_empty  # stage j % STAGES released by every consumer warp",
        "    Copy K tile (BN, D) at [key block j] from global to sK (tma, STAGES deep; rows >= S_k as zeros)",
        "    Sync arrive k_full",
        "    Sync wait v_empty",
        "    Copy V tile (BN, D) at [key block j] from global to sV (tma, STAGES deep; rows >= S_k as zeros)",
        "    Sync arrive v_full",
        "  End",
        "  " + role_c,
        "    Sync wait k_full",
        "    Compute GEMM sQ, sK^T -> S (BM, BN) f32 on wgmma",
        "    Sync arrive k_empty",
    ] + score + mask + ([
        "    # Window edges: on block i's first and last key block, a consumer warpgroup whose 64 rows",
        "    # see only one 64-key half takes the softmax and GEMM P, sV below on that half alone.",
    ] if v["window"] else []) + [
        "    Compute rowmax S -> m_new (BM)",
        "    Compute rescale O_acc, l by exp2(m - m_new); m = m_new",
        "    Compute exp2 S - m_new -> S",
    ] + ([
        "    # kernel.cu kTensorSum: the GEMM P, sV below also sums each row of P (its 16-bit values)",
        "    # into l, over a box of ones past sV's head dim (N = D + 8); the softmax adds nothing.",
    ] if tsum else []) + [
        "    Compute rowsum S -> l (accumulate)",
        f"    Reshape S from accumulator layout to operand layout as {dtype} -> P",
        "    Sync wait v_full",
        "    Compute GEMM P, sV -> O_acc (accumulate) on wgmma  # P from registers, V from shared",
        "    Sync arrive v_empty",
        "  End",
        "End",
        role_c,
        "  Compute normalize O_acc by l (l == 0 -> 0)",
        f"  Copy O_acc (BM, D) as {dtype} to O at [row block i] (rows < S_q)  # TMA store"
        + ("; a tail tile row by row" if v["varlen"] else ""),
        "End",
    ]
    return tl


def render_fa3(gpu, dtype, d, causal, variants=None):
    v = variants or NO_VARIANTS
    disp, sm, _ = GPUS[gpu]
    key = f"fwd-{gpu}-{dtype}-d{d}-{'causal' if causal else 'full'}" + variant_suffix(v)
    sym = "qimeng_" + key.replace("-", "_")
    guard = "QIMENG_" + key.replace("-", "_").upper() + "_H"
    wgs, bn, stages, why = FA3_TILES[d]
    pers = FA3_PERSISTENT.get((d, causal)) or (FA3_PERSISTENT_WINDOW if v["window"] else None)
    plain = not (v["window"] or v.get("softcap") or v["alibi"] or v["varlen"])
    short = FA3_SHORT.get((d, causal)) if not (v["window"] or v["varlen"]) else None
    bopts, bwhy = FA3_BOUNDARY.get((d, causal), ((), "")) if plain else ((), "")
    q2 = "kQStages" in bopts
    cross = plain and (d, causal) in FA3_CROSS
    tiny = FA3_TINY.get((d, causal)) if plain and short else None
    # kTensorSum on Spec and on the short schedule: the comment of its line, "" when off
    tsum_why = fa3_tensor_sum(d, v, causal, "Spec")
    s_tsum_why = fa3_tensor_sum(d, v, causal, "short") if short else ""
    tsum, s_tsum = bool(tsum_why), bool(s_tsum_why)
    if cross:
        bopts = tuple(o for o in bopts if o != "kDeferEpilogue")
    defer = "kDeferEpilogue" in bopts
    q2_line = "".join(f"\n    static constexpr {FA3_TURNS[o][0]} {o} = {FA3_TURNS[o][1]};  /* {FA3_TURNS[o][2]}"
                      + (f"; hop9: {bwhy}" if i == len(bopts) - 1 else "") + " */"
                      for i, o in enumerate(bopts))
    regs = 240 if wgs == 2 else 160  # Fa3Config::kConsumerRegs
    like = "" if gpu == "h100" else f" (measured on H100; {disp} is the same sm_90a chip class)"
    spec = spec_json(gpu, dtype, d, causal, v)
    tail = "".join(", " + w for w in variant_words(v))
    what = ("causal" if causal else "full") + tail
    enq = "causal (bottom-right)" if causal else "unmasked"
    header = f"""/* {key}: Hopper warp-specialized attention forward for {disp} ({sm}), {dtype}, head_dim {d}, {what}. */
#ifndef {guard}
#define {guard}

#include "qimeng/abi.h"

/** Enqueues {enq} {dtype} attention, head_dim {d}{tail} on `stream` (see abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int {sym}(const QimengAttnArgs* args, void* stream);

#endif
"""
    # the Spec that compares per-row bounds (kRowBoundMask) takes kMaskedFold: a window's Spec,
    # else the short schedule that sets it (causal softcap's)
    spec_row_bound = bool(v["window"])
    fold_line = (f"\n    static constexpr bool kMaskedFold = true;  /* {FA3_MASKED_FOLD} */"
                 if fa3_masked_fold(dtype, v) else "")
    vlines = []
    if v["window"]:
        left, right = v["window"]
        vlines.append(f"    static constexpr int kWindowLeft = {left};  /* keys before the diagonal each query sees */")
        if not causal:
            vlines.append(f"    static constexpr int kWindowRight = {right};  /* keys after the diagonal each query sees */")
    if v.get("softcap"):
        vlines.append(f"    static constexpr float kSoftcap = {v['softcap']}.f;  /* s = cap * tanh(s / cap) before the masks (fa3_fwd.cuh: odd polynomials on the FMA pipe while |s / cap| <= 1, else tanh.approx.f16x2) */")
        if dtype == "bf16":
            vlines.append(f"    static constexpr bool kQScale = true;  /* {FA3_QSCALE} */")
    if v["alibi"]:
        vlines.append("    static constexpr bool kAlibi = true;  /* s += -slope_h * |i + sk - sq - j| (slopes at run time) */")
    if v["varlen"]:
        vlines.append("    static constexpr bool kVarlen = true;  /* packed sequences: rows by cu_seqlens_q/k (abi.h); "
                      "tiles (query block, head, sequence), those past a sequence's end skipped */")
    if fa3_spec_exp(d, v):
        spec_why = FA3_SPEC_ALIBI if v["alibi"] else FA3_SPEC[d]
        vlines.append(f"    static constexpr bool kSpecExp = true;  /* {spec_why} */")
        if d in FA3_SPEC_UNIFORM_Q:
            vlines.append(f"    static constexpr bool kUniformQ = true;  /* {FA3_SPEC_UNIFORM_Q[d]} */")
    if v["alibi"] and not causal and fa3_spec_exp(d, v):  # measured with kSpecExp only
        vlines.append(f"    static constexpr bool kAlibiPreload = false;  /* {FA3_ALIBI_NO_PRELOAD} */")
    if tsum:
        vlines.append(f"    static constexpr bool kTensorSum = true;  /* {tsum_why} */")
    var_lines = "".join("\n" + x for x in vlines) + (fold_line if spec_row_bound else "")
    pers_line = f"\n    static constexpr bool kPersistent = true;  /* {pers} */" if pers else ""
    cross_line = FA3_CROSS_LINE if cross else ""
    if pers and not short:
        pers_line += q2_line
        if not v["window"]:
            pers_line += cross_line
    if spec_row_bound:
        # the window's edge blocks compare each score's key offset with per-row bounds (hwin2:
        # +0.7% w1024_0, +2.4% w256_256, +0.7% w1024_0 + softcap in one process,
        # bench/results/h100-variants-2026-11-26.md session 6); a bare line, as the verified
        # entries have it. Measured and not kept on these entries (session 8, hwin4, same
        # file): the softcap polynomial on the masked blocks (-5% w1024_0 + softcap at q x 1;
        # session 17's kMaskedFold, the polynomial folded into the exp2s, is kept:
        # FA3_MASKED_FOLD) and a per-chunk skip of the mask's compares (-1.5% w1024_0, -2.2%
        # w256_256).
        pers_line += "\n    static constexpr bool kRowBoundMask = true;" + cross_line
        if fa3_window_tuned(v, d, bn):
            # kTensorSum's ones take the third K stage's room
            pers_line += ("" if tsum else FA3_WINDOW_KSTAGES_LINE) + (
                FA3_WINDOW_NO_HEAD_GROUP.get(v["window"], FA3_WINDOW_HEAD_GROUP_LINE)) + (
                FA3_WINDOW_SHORT_LAST.get(v["window"], ""))
    if short:
        s_wgs, s_max, s_stages, s_opts, s_why = short
        s_wgs_line = (f"\n    static constexpr int kConsumerWGs = {s_wgs};  /* 64 x {s_wgs} rows, {240 if s_wgs == 2 else 160} registers */"
                      if s_wgs != wgs else "")
        if s_stages != stages:
            s_wgs_line += f"\n    static constexpr int kStages = {s_stages};  /* K/V ring of {s_stages} stages: the producer runs further ahead across tiles */"
        for name, value in s_opts.items():
            ty = "bool" if isinstance(value, bool) else "int"
            lit = ("true" if value else "false") if isinstance(value, bool) else str(value)
            s_wgs_line += f"\n    static constexpr {ty} {name} = {lit};  /* {FA3_ROWS[name].format(value)} */"
        if fa3_spec_exp(d, v) and d in FA3_SPEC_UNIFORM_Q and "kUniformQ" not in s_opts:
            s_wgs_line += "\n    static constexpr bool kUniformQ = false;  /* the short schedule as measured (Spec's is for its spill) */"
        s_wgs_line += q2_line + cross_line
        if fa3_spec_exp(d, v) and d in FA3_SPEC_SHORT_OFF:
            s_wgs_line += f"\n    static constexpr bool kSpecExp = false;  /* {FA3_SPEC_SHORT_OFF[d]} */"
        if s_tsum != tsum:
            ts_why = s_tsum_why or FA3_TENSOR_SUM_SHORT_OFF[d]
            s_wgs_line += f"\n    static constexpr bool kTensorSum = {'true' if s_tsum else 'false'};  /* {ts_why} */"
        if s_opts.get("kRowBoundMask") and not spec_row_bound:
            s_wgs_line += fold_line
        if plain and (d, causal) in FA3_EVEN_TAIL:
            s_wgs_line += f"\n    static constexpr bool kEvenTail = true;  /* {FA3_EVEN_TAIL[(d, causal)]} */"
        short_cu = f"""
/* The schedule of calls with up to kMaxSeqlenK keys: {s_why}. */
struct ShortSpec : Spec {{{s_wgs_line}
    static constexpr bool kPersistent = true;
    static constexpr int kMaxSeqlenK = {s_max};  /* the launcher's bound, and the TL's `Schedule persistent when S_k <= {s_max}` */
}};
"""
        bounded = ["ShortSpec"]
        if tiny:
            t_max, t_why = tiny
            short_cu += f"""
/* The schedule of calls with up to kMaxSeqlenK keys: the short one with {t_why}. */
struct TinySpec : ShortSpec {{
    static constexpr bool kLeanEpilogue = true;
    static constexpr int kMaxSeqlenK = {t_max};  /* the launcher's bound, and the TL's `Schedule persistent when S_k <= {t_max}` */
}};
"""
            bounded.insert(0, "TinySpec")
        source = "ShortSpec::kMaxSeqlenK" if len(bounded) == 1 else "each struct's kMaxSeqlenK"
        launch = f"    /* the schedule for this call's shape (one source of truth: {source}) */\n" + "".join(
            f"    if (args != nullptr && args->seqlen_k <= {b}::kMaxSeqlenK)\n"
            f"        return qimeng::fa3_fwd_launch<{b}>(args, stream);\n" for b in bounded
        ) + "    return qimeng::fa3_fwd_launch<Spec>(args, stream);"
    else:
        short_cu = ""
        launch = "    return qimeng::fa3_fwd_launch<Spec>(args, stream);"
    cu = f"""/* {key}: this spec's traits and its launcher. The kernel is fa3_fwd.cuh (wgmma, TMA K/V
 * ring, producer/consumer warpgroups, ping-pong, intra-warpgroup overlap; docs/HOPPER.md).
 * Choices: bench/results/h100-hopper-2026-11-25.md{like}. */
#include "kernel.h"

#include "qimeng/fa3_fwd.cuh"

namespace {{

struct Spec {{
    using Element = {cuda_type(dtype)};
    static constexpr int kHeadDim = {d};
    static constexpr int kBlockN = {bn};  /* {why["kBlockN"]} */
    static constexpr int kStages = {stages};  /* {why["kStages"]} */
    static constexpr bool kCausal = {"true" if causal else "false"};
    static constexpr bool kOverlap = true;  /* softmax(j) under P V of block j-1: without it -7 to -14% at d128 full */
    static constexpr bool kPingPong = true;  /* warpgroups take turns on the tensor cores: without it -1 to -5% at d128 full */
    static constexpr int kConsumerWGs = {wgs};  /* {why["kConsumerWGs"]} */{pers_line}{var_lines}
}};
{short_cu}
}}  // namespace

QIMENG_EXTERN_C int {sym}(const QimengAttnArgs* args, void* stream) {{
{launch}
}}
"""
    mask_desc = ("causal (bottom-right)" if causal else "no mask") + tail
    if not short and not pers:
        # one schedule, one block per tile: no `Schedule` line (TL's default)
        tl = [
            f"# {key}: Hopper warp-specialized forward on {disp} ({sm}), {dtype}, head_dim {d}, {mask_desc}.",
            "# The kernel is fa3_fwd.cuh. One producer warpgroup (setmaxnreg 24) issues TMA loads: Q once,",
            "# then K_j and V_j into a STAGES-deep ring, each stage with a full barrier (the copy landed)",
            f"# and an empty one (the {4 * wgs} consumer warps read it). {wgs} consumer warpgroups (64 query rows",
            f"# each, setmaxnreg {regs}) run both GEMMs on wgmma; they take turns on the tensor cores",
            "# (pingpong) and issue block j's GEMM P, sV right after block j+1's GEMM sQ, sK^T, running",
            "# softmax(j+1) under it (overlap). Below, the statements in one valid serialization.",
        ] + fa3_program(dtype, d, causal, wgs, bn, stages, False, v, intro=False, tsum=tsum)
    else:
        tl = [
            f"# {key}: Hopper warp-specialized forward on {disp} ({sm}), {dtype}, head_dim {d}, {mask_desc}.",
            "# The kernel is fa3_fwd.cuh. One producer warpgroup (setmaxnreg 24) issues TMA loads: Q once,",
            "# then K_j and V_j into a STAGES-deep ring, each stage with a full barrier (the copy landed)",
            "# and an empty one (the consumer warps read it). The consumer warpgroups run both GEMMs on",
            "# wgmma; they take turns on the tensor cores (pingpong) and issue block j's GEMM P, sV right",
            "# after block j+1's GEMM sQ, sK^T, running softmax(j+1) under it (overlap). Below, the",
            "# statements in one valid serialization.",
        ]
        if short:
            s_wgs, s_max, s_stages, _, _ = short
            short_prog = fa3_program(dtype, d, causal, s_wgs, bn, s_stages, True, v, qstages=2 if q2 else 1, defer=defer, cross=cross,
                                     tsum=s_tsum)
            if tiny:
                tl += [
                    "# Three schedules: the launcher picks one per call from the number of keys (kernel.cu's",
                    "# TinySpec::kMaxSeqlenK, then ShortSpec::kMaxSeqlenK); each is a whole kernel of its own.",
                    "# TinySpec is ShortSpec with the lean epilogue (its stores and 1 / l cost less; the",
                    "# schedule is the same).",
                    f"Schedule persistent when S_k <= {tiny[0]}  # kernel.cu TinySpec",
                ] + short_prog
            tl += ([
                "# Two schedules: the launcher picks one per call from the number of keys (kernel.cu's",
                "# ShortSpec::kMaxSeqlenK); each is a whole kernel of its own.",
            ] if not tiny else []) + [
                f"Schedule persistent when S_k <= {s_max}  # kernel.cu ShortSpec",
            ] + short_prog + [
                "Schedule persistent  # kernel.cu Spec" if pers else "Schedule block per tile  # kernel.cu Spec",
            ] + fa3_program(dtype, d, causal, wgs, bn, stages, bool(pers), v, tsum=tsum)  # Spec: one sQ
        else:
            tl += ["Schedule persistent  # kernel.cu Spec"]
            tl += fa3_program(dtype, d, causal, wgs, bn, stages, True, v, qstages=2 if q2 else 1, defer=defer, cross=cross,
                              kstages=FA3_WINDOW_KSTAGES if fa3_window_tuned(v, d, bn) and not tsum else None,
                              tsum=tsum)
    return key, {"spec.json": spec, "kernel.h": header, "kernel.cu": cu, "kernel.tl": "\n".join(tl) + "\n"}


def cuda_type(dtype):
    return {"f16": "__half", "bf16": "__nv_bfloat16"}[dtype]


def parse_variants(suffix):
    """`-w1024_0-alibi-varlen` -> {"window": (1024, 0), "softcap": None, "alibi": True,
    "varlen": True}."""
    v = dict(NO_VARIANTS)
    parts = [p for p in suffix.split("-") if p]
    if parts and parts[0].startswith("w") and "_" in parts[0]:
        left, right = parts.pop(0)[1:].split("_")
        v["window"] = (int(left), int(right))
    if parts and parts[0].startswith("softcap") and parts[0][7:].isdigit():
        v["softcap"] = int(parts.pop(0)[7:])
    if parts and parts[0] == "alibi":
        v["alibi"] = parts.pop(0) == "alibi"
    if parts and parts[0] == "varlen":
        v["varlen"] = parts.pop(0) == "varlen"
    if parts:
        raise ValueError(f"unknown variant suffix {suffix!r}")
    return v


def variant_suffix(v):
    s = ""
    if v["window"]:
        s += "-w%d_%d" % v["window"]
    if v.get("softcap"):
        s += "-softcap%d" % v["softcap"]
    if v["alibi"]:
        s += "-alibi"
    if v["varlen"]:
        s += "-varlen"
    return s


def render(gpu, dtype, d, causal, variants=None):
    v = variants or NO_VARIANTS
    if v.get("softcap"):
        raise ValueError("FlashAttention-2-class softcap entries are written by hand")
    disp, sm, family = GPUS[gpu]
    key = f"fwd-{gpu}-{dtype}-d{d}-{'causal' if causal else 'full'}" + variant_suffix(v)
    sym = "qimeng_" + key.replace("-", "_")
    guard = "QIMENG_" + key.replace("-", "_").upper() + "_H"
    t = tiles(gpu, d, causal)
    tv = {k: v for k, v, _ in t}
    bm, bn, warps, rows, stages = (tv[k] for k in ("kBlockM", "kBlockN", "kWarps", "kWarpRows", "kStages"))
    turing = family == "turing"
    mma = "f16" if turing else dtype
    convert = turing and dtype == "bf16"

    spec_obj = {"gpu": gpu, "dtype": dtype, "head_dim": d, "causal": causal}
    if v["window"]:
        spec_obj["window"] = list(v["window"])
    if v["alibi"]:
        spec_obj["alibi"] = True
    if v["varlen"]:
        spec_obj["varlen"] = True
    spec = json.dumps(spec_obj) + "\n"

    words = []
    if v["window"]:
        words.append("sliding window (%d, %d)" % v["window"])
    if v["alibi"]:
        words.append("ALiBi")
    if v["varlen"]:
        words.append("packed variable-length sequences")
    tail = "".join(", " + w for w in words)
    what = ("causal" if causal else "full") + tail
    enq = ("causal (bottom-right)" if causal else "unmasked")
    header = f"""/* {key}: FlashAttention-2 forward for {disp} ({sm}), {dtype}, head_dim {d}, {what}. */
#ifndef {guard}
#define {guard}

#include "qimeng/abi.h"

/** Enqueues {enq} {dtype} attention, head_dim {d}{tail} on `stream` (see abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int {sym}(const QimengAttnArgs* args, void* stream);

#endif
"""

    if turing:
        mma_why = ("sm_75 tensor cores take f16 only: bf16 -> f16 on the copy (exact under 65504)"
                   if convert else "sm_75 tensor cores take f16 (m16n8k8)")
    else:
        mma_why = f"{disp} tensor cores take {dtype} (m16n8k16)"

    def member(name, value, why):
        ty = "bool" if isinstance(value, bool) else "int"
        v = ("true" if value else "false") if isinstance(value, bool) else str(value)
        line = f"    static constexpr {ty} {name} = {v};"
        return line + (f"  /* {why} */" if why else "")

    lines = [
        f"    using Element = {cuda_type(dtype)};",
        f"    using MmaElement = {cuda_type(mma)};  /* {mma_why} */",
        member("kHeadDim", d, None),
    ]
    for name, value, why in t:
        lines.append(member(name, value, why))
        if name == "kStages":
            lines.append(member("kCausal", causal, None))
    lines += [member(n, val, w) for n, val, w in extra(gpu, d, causal)]
    if v["window"]:
        left, right = v["window"]
        lines.append(member("kWindowLeft", left, "keys before the diagonal each query sees"))
        if not causal:
            lines.append(member("kWindowRight", right, "keys after the diagonal each query sees"))
    if v["alibi"]:
        lines.append(member("kAlibi", True, "s += -slope_h * |i + sk - sq - j| (slopes at run time)"))
    if v["varlen"]:
        lines.append(member("kVarlen", True, "packed sequences: rows by cu_seqlens_q/k (abi.h)"))
    body = "\n".join(lines)
    cu = f"""/* {key}: this spec's tile configuration and its launcher (the kernel is fa2_fwd.cuh). */
#include "kernel.h"

#include "qimeng/fa2_fwd.cuh"

namespace {{

struct Spec {{
{body}
}};

}}  // namespace

QIMENG_EXTERN_C int {sym}(const QimengAttnArgs* args, void* stream) {{
    return qimeng::fa2_fwd_launch<Spec>(args, stream);
}}
"""

    mask_desc = ("causal (bottom-right)" if causal else "no mask") + tail
    at = "sequence" if v["varlen"] else "batch"
    copy_mode = "sync" if turing else "async"
    kv_mode = "sync" if turing else "async, STAGES deep"
    tl = [
        f"# {key}: FlashAttention-2 forward on {disp} ({sm}), {dtype}, head_dim {d}, {mask_desc}.",
        f"# One block per (query block i, head h, {at} b); warp w owns query rows {rows}w..{rows}w+{rows - 1}.",
        f"param BM = {bm}, BN = {bn}, D = {d}, STAGES = {stages}, WARPS = {warps}",
        f"Allocate Q in global (S_q, D) {dtype} at {at} b, head h",
        f"Allocate K, V in global (S_k, D) {dtype} at {at} b, head h / GROUP",
        f"Allocate O in global (S_q, D) {dtype} at {at} b, head h",
        f"Allocate sQ in shared (BM, D) {mma}",
        f"Allocate sK, sV in shared (STAGES, BN, D) {mma}",
        "Allocate S in register (BM, BN) f32",
        f"Allocate P in register (BM, BN) {mma}",
        "Allocate O_acc in register (BM, D) f32",
        "Allocate m, l in register (BM) f32",
        f"Copy Q tile (BM, D) at [row block i] from global to sQ ({copy_mode}; rows >= S_q as zeros)",
    ]
    if convert:
        tl.append("Compute convert sQ bf16 -> f16")
    if v["varlen"]:
        tl.insert(3, "# Packed sequences: S_q, S_k are sequence b's own lengths; blocks past its end do nothing.")
    loop, score, mask = variant_tl(v, causal, "  ")
    tl += loop
    tl.append(f"  Copy K, V tile (BN, D) at [key block j] from global to sK, sV ({kv_mode}; rows >= S_k as zeros)")
    if convert:
        tl.append("  Compute convert sK, sV bf16 -> f16")
    tl += [
        "  Sync",
        "  Compute GEMM sQ, sK^T -> S (BM, BN) f32",
    ]
    tl += score + mask
    tl += [
        "  Compute rowmax S -> m_new (BM)",
        "  Compute rescale O_acc, l by exp2(m - m_new); m = m_new",
        "  Compute exp2 S - m_new -> S",
        "  Compute rowsum S -> l (accumulate)",
        f"  Reshape S from accumulator layout to operand layout as {mma} -> P",
        "  Compute GEMM P, sV -> O_acc (accumulate)",
        "  Sync",
        "End",
        "Compute normalize O_acc by l (l == 0 -> 0)",
        f"Copy O_acc (BM, D) as {dtype} to O at [row block i] (rows < S_q)",
    ]
    return key, {"spec.json": spec, "kernel.h": header, "kernel.cu": cu, "kernel.tl": "\n".join(tl) + "\n"}


# f32 entries: the exact CUDA-core kernel (kernels-cache/include/qimeng/f32_fwd.cuh; why not tf32:
# its header). For each arch class one tile: (BM, BN, warps, min blocks/SM, why).
F32_GPUS = ("t4", "a100", "h100")


def f32_smem(bm, bn, d):
    """Bytes of the f32 kernel's shared memory: Q and K padded by 4 floats a row, V dense, P."""
    return (bm * (d + 4) + bn * (d + 4) + bn * d + bm * (bn + 4)) * 4


def f32_tiles(gpu, d):
    family = GPUS[gpu][2]
    if family == "turing":
        if d == 64:
            bm, bn, w, minb = 64, 32, 8, 1
        else:
            bm, bn, w, minb = 32, 32, 4, 1
        why = f"{kib(f32_smem(bm, bn, d))} under sm_75's 64 KiB per block"
    elif d == 64:
        bm, bn, w, minb = 64, 64, 8, 2
        why = f"{kib(f32_smem(bm, bn, d))}: 2 blocks of 256 threads per SM"
    else:
        bm, bn, w, minb = 64, 32, 8, 2
        why = f"{kib(f32_smem(bm, bn, d))}: 2 blocks of 256 threads per SM (BN=64 would take {kib(f32_smem(64, 64, d))})"
    return bm, bn, w, minb, why


def render_f32(gpu, d, causal):
    disp, sm, _ = GPUS[gpu]
    key = f"fwd-{gpu}-f32-d{d}-{'causal' if causal else 'full'}"
    sym = "qimeng_" + key.replace("-", "_")
    guard = "QIMENG_" + key.replace("-", "_").upper() + "_H"
    bm, bn, w, minb, why = f32_tiles(gpu, d)
    rows = bm // (2 * w)
    what = "causal" if causal else "full"
    enq = "causal (bottom-right)" if causal else "unmasked"
    spec = json.dumps({"gpu": gpu, "dtype": "f32", "head_dim": d, "causal": causal}) + "\n"
    header = f"""/* {key}: exact f32 attention forward (CUDA-core FMA) for {disp} ({sm}), head_dim {d}, {what}. */
#ifndef {guard}
#define {guard}

#include "qimeng/abi.h"

/** Enqueues {enq} f32 attention, head_dim {d} on `stream` (see abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int {sym}(const QimengAttnArgs* args, void* stream);

#endif
"""
    cu = f"""/* {key}: this spec's tile configuration and its launcher (the kernel is f32_fwd.cuh). */
#include "kernel.h"

#include "qimeng/f32_fwd.cuh"

namespace {{

struct Spec {{
    using Element = float;  /* exact f32 on FMA: tf32 tensor cores would miss f32's 1e-5 standard */
    static constexpr int kHeadDim = {d};
    static constexpr int kBlockM = {bm};  /* {2 * w} row groups x {rows} rows */
    static constexpr int kBlockN = {bn};  /* {why} */
    static constexpr int kWarps = {w};
    static constexpr int kStages = 1;
    static constexpr bool kCausal = {"true" if causal else "false"};
    static constexpr int kMinBlocksPerSm = {minb};
}};

}}  // namespace

QIMENG_EXTERN_C int {sym}(const QimengAttnArgs* args, void* stream) {{
    return qimeng::f32_fwd_launch<Spec>(args, stream);
}}
"""
    tl = [
        f"# {key}: exact f32 forward on {disp} ({sm}), head_dim {d}, {'causal (bottom-right)' if causal else 'no mask'}.",
        "# CUDA-core FMA GEMMs (tf32 tensor cores would miss f32's 1e-5 standard). One block per",
        f"# (query block i, head h, batch b); the 16 threads of row group g own query rows {rows}g..{rows}g+{rows - 1}.",
        f"param BM = {bm}, BN = {bn}, D = {d}, STAGES = 1, WARPS = {w}",
        "Allocate Q in global (S_q, D) f32 at batch b, head h",
        "Allocate K, V in global (S_k, D) f32 at batch b, head h / GROUP",
        "Allocate O in global (S_q, D) f32 at batch b, head h",
        "Allocate sQ in shared (BM, D) f32",
        "Allocate sK, sV in shared (STAGES, BN, D) f32",
        "Allocate S in register (BM, BN) f32",
        "Allocate P in shared (BM, BN) f32",
        "Allocate O_acc in register (BM, D) f32",
        "Allocate m, l in register (BM) f32",
        "Copy Q tile (BM, D) at [row block i] from global to sQ (sync; rows >= S_q as zeros)",
        "Loop j over key blocks up to the diagonal of block i" if causal else "Loop j over key blocks",
        "  Copy K, V tile (BN, D) at [key block j] from global to sK, sV (sync; rows >= S_k as zeros)",
        "  Sync",
        "  Compute GEMM sQ, sK^T -> S (BM, BN) f32 on fma",
        "  Compute scale S by softmax_scale * log2(e)",
        "  Compute mask S where key >= S_k",
    ]
    if causal:
        tl.append("  Compute mask S where key > query + S_k - S_q")
    tl += [
        "  Compute rowmax S -> m_new (BM)",
        "  Compute rescale O_acc, l by exp2(m - m_new); m = m_new",
        "  Compute exp2 S - m_new -> S",
        "  Compute rowsum S -> l (accumulate)",
        "  Reshape S from accumulator layout to operand layout as f32 -> P",
        "  Compute GEMM P, sV -> O_acc (accumulate) on fma",
        "  Sync",
        "End",
        "Compute normalize O_acc by l (l == 0 -> 0)",
        "Copy O_acc (BM, D) as f32 to O at [row block i] (rows < S_q)",
    ]
    return key, {"spec.json": spec, "kernel.h": header, "kernel.cu": cu, "kernel.tl": "\n".join(tl) + "\n"}


def all_keys():
    for gpu in GPUS:
        for dtype in ("f16", "bf16"):
            for d in ((32, 64, 96, 128, 192, 256) if gpu in ("h100", "a100")
                      else (64, 128, 256) if gpu == "h200" else (64, 128)):
                for causal in (False, True):
                    yield gpu, dtype, d, causal
    for gpu in F32_GPUS:
        for d in (64, 128):
            for causal in (False, True):
                yield gpu, "f32", d, causal


def parse_key(key):
    """(gpu, dtype, d, causal, variants or None) of a fwd-* key of the table (variants: f16 and
    bf16 entries only, suffixes in qimeng-spec's order), or None."""
    for gpu, dtype, d, causal in all_keys():
        base = f"fwd-{gpu}-{dtype}-d{d}-{'causal' if causal else 'full'}"
        if key == base:
            return gpu, dtype, d, causal, None
        if dtype != "f32" and key.startswith(base + "-"):
            try:
                v = parse_variants(key[len(base):])
            except ValueError:
                continue
            if base + variant_suffix(v) == key:
                return gpu, dtype, d, causal, v
    return None


def render_key(key):
    """The files this script writes for one fwd-* key (None: not a key of the table)."""
    parsed = parse_key(key)
    return render_one(*parsed)[1] if parsed else None


def render_one(gpu, dtype, d, causal, v, fa2=False):
    """(key, files) of one entry: f32, the Hopper family (unless fa2) or FlashAttention-2-class."""
    if dtype == "f32":
        return render_f32(gpu, d, causal)
    if is_fa3(gpu, dtype, d) and fa3_variants_ok(v) and not fa2:
        return render_fa3(gpu, dtype, d, causal, v)
    return render(gpu, dtype, d, causal, v)


def check(cache, keys):
    """0 when every entry is what render_key writes for it, else a message naming each file that
    differs and how to reconcile the two (the table and the committed entries are one fact).
    Entries the script declines to render (FlashAttention-2-class softcap: written by hand) are
    listed and not compared."""
    if not os.path.isdir(cache):
        return f"no cache directory {cache}"
    keys = keys or sorted(k for k in os.listdir(cache) if k.startswith("fwd-"))
    bad, unknown, by_hand = [], [], []
    for key in keys:
        try:
            files = render_key(key)
        except ValueError:
            by_hand.append(key)
            continue
        if files is None:
            unknown.append(key)
            continue
        for name, text in files.items():
            path = os.path.join(cache, key, name)
            if not os.path.exists(path):
                bad.append(f"missing: {key}/{name}")
                continue
            with open(path) as f:
                if f.read() != text:
                    bad.append(f"differs from scripts/new-entry.py: {key}/{name}")
    for key in by_hand:
        print(f"written by hand, not compared: {key}")
    for key in unknown:
        print(f"not a key of the table: {key}")
    for line in bad:
        print(line)
    if bad or unknown:
        return ("the cache and scripts/new-entry.py disagree: change the table (FA3_TILES, TILES, ...) "
                "or rewrite the entry (python3 scripts/new-entry.py --overwrite KEY; then `cargo run "
                "-q -p qimeng-cli -- cache seal KEY` and verify it on a GPU)")
    print(f"{len(keys) - len(by_hand)} entries match scripts/new-entry.py")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("keys", nargs="*", help="only these keys (default: every key of the table)")
    ap.add_argument("--overwrite", action="store_true", help="rewrite existing entries too")
    ap.add_argument("--fa2", action="store_true",
                    help="render the FlashAttention-2-class version even where FA3_TILES applies "
                         "(the baseline bench/hopper/build.sh compiles; use with --out)")
    ap.add_argument("--out", default=CACHE, help="directory to write into (default: kernels-cache)")
    ap.add_argument("--check", action="store_true",
                    help="write nothing: compare every fwd-* entry under --out (or the given keys) "
                         "with what this script renders for its key; exit 1 on a difference")
    args = ap.parse_args()
    if args.check:
        if args.fa2:
            sys.exit("--check compares the entries as the cache holds them: without --fa2")
        sys.exit(check(args.out, args.keys))
    only = set(args.keys)
    wanted = set(only)
    written = 0
    todo = [(g, dt, d, c, None) for g, dt, d, c in all_keys()]
    # Variant keys: a table entry's key plus variant suffixes (f16/bf16 entries only).
    for want in sorted(wanted):
        parsed = parse_key(want)
        if parsed and parsed[4] is not None:
            todo.append(parsed)
    for gpu, dtype, d, causal, v in todo:
        key, files = render_one(gpu, dtype, d, causal, v, args.fa2)
        if only and key not in only:
            continue
        wanted.discard(key)
        path = os.path.join(args.out, key)
        if os.path.exists(path) and not args.overwrite:
            continue
        os.makedirs(path, exist_ok=True)
        for name, text in files.items():
            with open(os.path.join(path, name), "w") as f:
                f.write(text)
        print(f"wrote {key}")
        written += 1
    if wanted:
        sys.exit(f"not keys of the table: {', '.join(sorted(wanted))}")
    print(f"{written} entries written")


if __name__ == "__main__":
    main()
