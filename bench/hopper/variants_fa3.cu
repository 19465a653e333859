/* Schedule variants of the Hopper family (kernels-cache/include/qimeng/fa3_fwd.cuh), bf16, for
 * bench/bench.py --variants: timed interleaved with the cache entries and cuDNN in the harness,
 * on the cells still under cuDNN (short sequences). The same exports as bench/variants.cu;
 * built by bench/hopper/build-variants.sh. Name: d<D>-w<consumer WGs>-n<BN>-s<stages>-<pers|tile>. */
#include "qimeng/fa3_fwd.cuh"

#include "../variant_exports.h"

namespace {

template <int D, int WGS, int BN, int STAGES, bool PERS, bool CAUSAL>
struct VariantSpec {
    using Element = __nv_bfloat16;
    static constexpr int kHeadDim = D;
    static constexpr int kBlockN = BN;
    static constexpr int kStages = STAGES;
    static constexpr bool kCausal = CAUSAL;
    static constexpr bool kOverlap = true;
    static constexpr bool kPingPong = true;
    static constexpr int kConsumerWGs = WGS;
    static constexpr bool kPersistent = PERS;
};

using qimeng_bench::Variant;

#define QIMENG_FA3_VARIANT(D, WGS, BN, STAGES, PERS, TAG)                                          \
    {"d" #D "-w" #WGS "-n" #BN "-s" #STAGES TAG,                                                   \
     qimeng::fa3_fwd_launch<VariantSpec<D, WGS, BN, STAGES, PERS, false>>, D, 0},                  \
    {"d" #D "-w" #WGS "-n" #BN "-s" #STAGES TAG,                                                   \
     qimeng::fa3_fwd_launch<VariantSpec<D, WGS, BN, STAGES, PERS, true>>, D, 1},

/* The schedules of the entries' short-sequence paths (hop6's first call; its second call's
 * kEarlyNextS variants were slower and left the header): the d64 short schedule with 2 and 3
 * stages and the d128 persistent schedule. */
const Variant kVariants[] = {
    QIMENG_FA3_VARIANT(64, 2, 128, 2, true, "-pers")
    QIMENG_FA3_VARIANT(64, 2, 128, 3, true, "-pers")
    QIMENG_FA3_VARIANT(128, 2, 128, 2, true, "-pers")
};

}  // namespace

QIMENG_VARIANT_EXPORTS(kVariants)
