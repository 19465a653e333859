/* fwd-a100-bf16-d96-full: this spec's tile configuration and its launcher (the kernel is fa2_fwd.cuh). */
#include "kernel.h"

#include "qimeng/fa2_fwd.cuh"

namespace {

struct Spec {
    using Element = __nv_bfloat16;
    using MmaElement = __nv_bfloat16;  /* A100 tensor cores take bf16 (m16n8k16) */
    static constexpr int kHeadDim = 96;
    static constexpr int kBlockM = 128;  /* 4 warps x 32 rows, h100's d96 tile (the same mma.sync template) */
    static constexpr int kBlockN = 64;  /* O (96) + S (64) f32 registers/thread; 12 chunks/row: flat-index copy */
    static constexpr int kWarps = 4;
    static constexpr int kWarpRows = 32;  /* each K/V fragment feeds 2 MMA row tiles: half the ldmatrix traffic */
    static constexpr int kStages = 2;  /* cp.async double buffer: 78 KiB, 2 blocks fit 164 KiB/SM on a100 */
    static constexpr bool kCausal = false;
    static constexpr bool kQInRegisters = false;  /* Q re-read from shared memory: registers go to O at 32 rows */
    static constexpr int kMinBlocksPerSm = 2;
};

}  // namespace

QIMENG_EXTERN_C int qimeng_fwd_a100_bf16_d96_full(const QimengAttnArgs* args, void* stream) {
    return qimeng::fa2_fwd_launch<Spec>(args, stream);
}
