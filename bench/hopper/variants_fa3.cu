/* Schedule variants of the Hopper family (kernels-cache/include/qimeng/fa3_fwd.cuh), bf16, for
 * bench/bench.py --variants: timed interleaved with the cache entries and cuDNN in the harness,
 * on the cells still under cuDNN (short sequences). The same exports as bench/variants.cu;
 * built by bench/hopper/build-variants.sh. Name: d<D>-w<consumer WGs>-n<BN>-s<stages>-<pers|tile>
 * then the softmax options (hop7): -p<kRowPartials>-e<kExp2FmaEvery>. */
#include "qimeng/fa3_fwd.cuh"

#include "../variant_exports.h"

namespace {

template <int D, int WGS, int BN, int STAGES, bool PERS, bool CAUSAL, int NP, int EVERY>
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
    static constexpr int kRowPartials = NP;
    static constexpr int kExp2FmaEvery = EVERY;
};

using qimeng_bench::Variant;

#define QIMENG_FA3_VARIANT(D, WGS, BN, STAGES, PERS, TAG, CAUSAL, NP, EVERY)                  \
    {"d" #D "-w" #WGS "-n" #BN "-s" #STAGES TAG "-p" #NP "-e" #EVERY,                            \
     qimeng::fa3_fwd_launch<VariantSpec<D, WGS, BN, STAGES, PERS, CAUSAL, NP, EVERY>>, D, CAUSAL},
/* the d64 entries' two schedules: short (2 warpgroups persistent; 2 stages full, 3 causal) and
 * long (3 per tile, 2 stages) */
#define QIMENG_D64(NP, EVERY)                                        \
    QIMENG_FA3_VARIANT(64, 2, 128, 2, true, "-pers", 0, NP, EVERY)   \
    QIMENG_FA3_VARIANT(64, 2, 128, 3, true, "-pers", 1, NP, EVERY)
#define QIMENG_D64_LONG(NP, EVERY)                                   \
    QIMENG_FA3_VARIANT(64, 3, 128, 2, false, "-tile", 0, NP, EVERY)  \
    QIMENG_FA3_VARIANT(64, 3, 128, 2, false, "-tile", 1, NP, EVERY)

/* hop7: the d64 softmax with its row max / sum in NP partial chains and every EVERY-th 8-key
 * column chunk's exp2 on the FMA pipe; p1-e0 is the entries' own softmax (the control). */
const Variant kVariants[] = {
    QIMENG_D64(1, 0)
    QIMENG_D64(2, 0)
    QIMENG_D64(4, 0)
    QIMENG_D64(1, 4)
    QIMENG_D64(2, 8)
    QIMENG_D64(2, 5)
    QIMENG_D64(2, 4)
    QIMENG_D64_LONG(2, 0)
    QIMENG_D64_LONG(2, 5)
    QIMENG_D64_LONG(2, 4)
    /* the d128 persistent schedule: shorter row chains only (d128 is not MUFU-bound) */
    QIMENG_FA3_VARIANT(128, 2, 128, 2, true, "-pers", 0, 2, 0)
    QIMENG_FA3_VARIANT(128, 2, 128, 2, true, "-pers", 1, 2, 0)
};

}  // namespace

QIMENG_VARIANT_EXPORTS(kVariants)
