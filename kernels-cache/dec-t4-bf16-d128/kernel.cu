/* dec-t4-bf16-d128: this spec's decode tile configuration and its launcher (the kernel is decode_fwd.cuh). */
#include "kernel.h"

#include "qimeng/decode_fwd.cuh"

namespace {

struct Spec {
    using Element = __nv_bfloat16;
    using MmaElement = __half;  /* sm_75 tensor cores have no bf16: converted on the copy (exact under 65504) */
    static constexpr int kHeadDim = 128;
    static constexpr int kBlockN = 32;
    static constexpr int kStages = 2;  /* 32-key tiles, double buffer: 34 KiB at d128 (sm_75 copies are synchronous) */
    static constexpr int kMinBlocksPerSm = 1;
};

}  // namespace

QIMENG_EXTERN_C int qimeng_dec_t4_bf16_d128(const QimengDecodeArgs* args, void* stream) {
    return qimeng::decode_fwd_launch<Spec>(args, stream);
}
