/* fwd-a100-bf16-d192-full: this spec's tile configuration and its launcher (the kernel is fa2_fwd.cuh). */
#include "kernel.h"

#include "qimeng/fa2_fwd.cuh"

namespace {

struct Spec {
    using Element = __nv_bfloat16;
    using MmaElement = __nv_bfloat16;  /* A100 tensor cores take bf16 (m16n8k16) */
    static constexpr int kHeadDim = 192;
    static constexpr int kBlockM = 128;  /* 8 warps x 16 rows (FA2's d192 tile): O is 96 f32 registers/thread */
    static constexpr int kBlockN = 64;  /* 150 KiB of a100's 163 KiB per block */
    static constexpr int kWarps = 8;
    static constexpr int kWarpRows = 16;  /* one 16-row MMA tile per warp: 32 rows would need 192 O registers */
    static constexpr int kStages = 2;  /* cp.async double buffer, 1 block/SM */
    static constexpr bool kCausal = false;
    static constexpr bool kQInRegisters = false;  /* Q re-read from shared memory: registers go to O */
    static constexpr int kMinBlocksPerSm = 1;
};

}  // namespace

QIMENG_EXTERN_C int qimeng_fwd_a100_bf16_d192_full(const QimengAttnArgs* args, void* stream) {
    return qimeng::fa2_fwd_launch<Spec>(args, stream);
}
