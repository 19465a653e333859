/* fwd-rtx8000-bf16-d64-causal: this spec's tile configuration and its launcher (the kernel is fa2_fwd.cuh). */
#include "kernel.h"

#include "qimeng/fa2_fwd.cuh"

namespace {

struct Spec {
    using Element = __nv_bfloat16;
    using MmaElement = __half;  /* sm_75 tensor cores take f16 only: bf16 -> f16 on the copy (exact under 65504) */
    static constexpr int kHeadDim = 64;
    static constexpr int kBlockM = 64;  /* 4 warps x 16 rows; 27 KiB lets 2 blocks share an SM (t4's tile: the same Turing chip class) */
    static constexpr int kBlockN = 64;  /* a (64, 64) K and V tile each; S is 32 f32 registers/thread */
    static constexpr int kWarps = 4;
    static constexpr int kWarpRows = 16;  /* one 16-row MMA tile per warp */
    static constexpr int kStages = 1;  /* no cp.async on sm_75: copies go through registers, 27 KiB */
    static constexpr bool kCausal = true;
    static constexpr bool kQInRegisters = true;  /* 16 registers, read once instead of every key block */
    static constexpr int kMinBlocksPerSm = 2;
};

}  // namespace

QIMENG_EXTERN_C int qimeng_fwd_rtx8000_bf16_d64_causal(const QimengAttnArgs* args, void* stream) {
    return qimeng::fa2_fwd_launch<Spec>(args, stream);
}
