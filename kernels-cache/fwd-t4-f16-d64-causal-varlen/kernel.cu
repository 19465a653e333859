/* fwd-t4-f16-d64-causal-varlen: this spec's tile configuration and its launcher (the kernel is fa2_fwd.cuh). */
#include "kernel.h"

#include "qimeng/fa2_fwd.cuh"

namespace {

struct Spec {
    using Element = __half;
    using MmaElement = __half;  /* sm_75 tensor cores take f16 (m16n8k8) */
    static constexpr int kHeadDim = 64;
    static constexpr int kBlockM = 64;  /* 4 warps x 16 rows; 27 KiB lets 2 blocks share an SM */
    static constexpr int kBlockN = 64;  /* a (64, 64) K and V tile each; S is 32 f32 registers/thread */
    static constexpr int kWarps = 4;
    static constexpr int kWarpRows = 16;  /* one 16-row MMA tile per warp */
    static constexpr int kStages = 1;  /* no cp.async on sm_75: copies go through registers, 27 KiB */
    static constexpr bool kCausal = true;
    static constexpr bool kQInRegisters = true;  /* 16 registers, read once instead of every key block */
    static constexpr int kMinBlocksPerSm = 2;
    static constexpr bool kVarlen = true;  /* packed sequences: rows by cu_seqlens_q/k (abi.h) */
};

}  // namespace

QIMENG_EXTERN_C int qimeng_fwd_t4_f16_d64_causal_varlen(const QimengAttnArgs* args, void* stream) {
    return qimeng::fa2_fwd_launch<Spec>(args, stream);
}
