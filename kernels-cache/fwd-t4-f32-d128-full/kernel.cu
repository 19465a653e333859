/* fwd-t4-f32-d128-full: this spec's tile configuration and its launcher (the kernel is f32_fwd.cuh). */
#include "kernel.h"

#include "qimeng/f32_fwd.cuh"

namespace {

struct Spec {
    using Element = float;  /* exact f32 on FMA: tf32 tensor cores would miss f32's 1e-5 standard */
    static constexpr int kHeadDim = 128;
    static constexpr int kBlockM = 32;  /* 8 row groups x 4 rows */
    static constexpr int kBlockN = 32;  /* 54 KiB under sm_75's 64 KiB per block */
    static constexpr int kWarps = 4;
    static constexpr int kStages = 1;
    static constexpr bool kCausal = false;
    static constexpr int kMinBlocksPerSm = 1;
};

}  // namespace

QIMENG_EXTERN_C int qimeng_fwd_t4_f32_d128_full(const QimengAttnArgs* args, void* stream) {
    return qimeng::f32_fwd_launch<Spec>(args, stream);
}
