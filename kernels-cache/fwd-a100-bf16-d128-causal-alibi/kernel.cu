/* fwd-a100-bf16-d128-causal-alibi: this spec's tile configuration and its launcher (the kernel is fa2_fwd.cuh). */
#include "kernel.h"

#include "qimeng/fa2_fwd.cuh"

namespace {

struct Spec {
    using Element = __nv_bfloat16;
    using MmaElement = __nv_bfloat16;  /* A100 tensor cores take bf16 (m16n8k16) */
    static constexpr int kHeadDim = 128;
    static constexpr int kBlockM = 128;  /* 4 warps x 32 rows: 300 TFLOP/s on H100 vs 254 at 16 rows per warp */
    static constexpr int kBlockN = 32;  /* O (128) + S (32) f32 registers/thread fit 255 with no spill; BN=64 spills */
    static constexpr int kWarps = 4;
    static constexpr int kWarpRows = 32;  /* each K/V fragment feeds 2 MMA row tiles: half the ldmatrix traffic */
    static constexpr int kStages = 2;  /* cp.async double buffer: 68 KiB, 2 blocks/SM on a100 */
    static constexpr bool kCausal = true;
    static constexpr bool kQInRegisters = false;  /* Q re-read from shared memory: no registers left for it at 32 rows */
    static constexpr int kMinBlocksPerSm = 2;
    static constexpr bool kAlibi = true;  /* s += -slope_h * |i + sk - sq - j| (slopes at run time) */
};

}  // namespace

QIMENG_EXTERN_C int qimeng_fwd_a100_bf16_d128_causal_alibi(const QimengAttnArgs* args, void* stream) {
    return qimeng::fa2_fwd_launch<Spec>(args, stream);
}
