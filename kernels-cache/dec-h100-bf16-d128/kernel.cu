/* dec-h100-bf16-d128: this spec's decode tile configuration and its launcher (the kernel is decode_fwd.cuh). */
#include "kernel.h"

#include "qimeng/decode_fwd.cuh"

namespace {

struct Spec {
    using Element = __nv_bfloat16;
    using MmaElement = __nv_bfloat16;
    static constexpr int kHeadDim = 128;
    static constexpr int kBlockN = 64;
    static constexpr int kStages = 3;  /* 3 x 64 keys x (K + V), padded rows: 104 KiB at d128, 2 blocks/SM */
    static constexpr int kMinBlocksPerSm = 2;
    static constexpr bool kTma = true; /* K/V tiles by TMA where the page size allows (decode_fwd.cuh) */
};

}  // namespace

QIMENG_EXTERN_C int qimeng_dec_h100_bf16_d128(const QimengDecodeArgs* args, void* stream) {
    return qimeng::decode_fwd_launch<Spec>(args, stream);
}
