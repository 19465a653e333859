/* Tile variants of the FA2 forward template (kernels-cache/include/qimeng/fa2_fwd.cuh), bf16 on
 * the H100, exported for bench/bench.py --variants: the candidates a cache entry's tiles are
 * chosen from. Built by bench/build.sh with nvcc directly (not through qimeng-build: these are
 * not cache entries). Name: d<D>-m<BM>-n<BN>-w<WARPS>-r<rows per warp>-q<Q in registers>. */
#include "qimeng/fa2_fwd.cuh"

#include <string.h>

namespace {

template <int D, int BM, int BN, int W, int WR, bool QR, int MINB, bool CAUSAL>
struct VariantSpec {
    using Element = __nv_bfloat16;
    using MmaElement = __nv_bfloat16;
    static constexpr int kHeadDim = D;
    static constexpr int kBlockM = BM;
    static constexpr int kBlockN = BN;
    static constexpr int kWarps = W;
    static constexpr int kWarpRows = WR;
    static constexpr int kStages = 2;
    static constexpr bool kCausal = CAUSAL;
    static constexpr bool kQInRegisters = QR;
    static constexpr int kMinBlocksPerSm = MINB;
};

typedef int (*Launch)(const QimengAttnArgs*, void*);

struct Variant {
    const char* name;
    Launch fn;
    int head_dim;
    int causal;
};

#define QIMENG_VARIANT(D, BM, BN, W, WR, QR, MINB)                                             \
    {"d" #D "-m" #BM "-n" #BN "-w" #W "-r" #WR "-q" #QR,                                       \
     qimeng::fa2_fwd_launch<VariantSpec<D, BM, BN, W, WR, QR, MINB, false>>, D, 0},            \
    {"d" #D "-m" #BM "-n" #BN "-w" #W "-r" #WR "-q" #QR,                                       \
     qimeng::fa2_fwd_launch<VariantSpec<D, BM, BN, W, WR, QR, MINB, true>>, D, 1},

const Variant kVariants[] = {
    QIMENG_VARIANT(128, 128, 64, 4, 32, false, 2)  /* FA2's sm80/sm90 tiles for d128 */
    QIMENG_VARIANT(128, 128, 32, 4, 32, false, 2)  /* the entries' tiles before issue 6 */
    QIMENG_VARIANT(128, 128, 128, 8, 16, true, 1)
    QIMENG_VARIANT(128, 128, 64, 8, 16, true, 1)
    QIMENG_VARIANT(64, 128, 64, 4, 32, true, 2)    /* the d64 full entry's tiles before issue 6 */
    QIMENG_VARIANT(64, 128, 128, 4, 32, false, 2)  /* FA2's tiles for d64 */
    QIMENG_VARIANT(64, 128, 128, 8, 16, true, 1)   /* the d64 causal entry's tiles before issue 6 */
    QIMENG_VARIANT(64, 64, 64, 4, 16, true, 4)
};

}  // namespace

extern "C" int qimeng_variant_count(void) { return int(sizeof(kVariants) / sizeof(kVariants[0])); }

extern "C" int qimeng_variant_info(int i, char* name, int cap, int* head_dim, int* causal) {
    if (i < 0 || i >= qimeng_variant_count() || cap <= 0) return -1;
    strncpy(name, kVariants[i].name, size_t(cap - 1));
    name[cap - 1] = 0;
    *head_dim = kVariants[i].head_dim;
    *causal = kVariants[i].causal;
    return 0;
}

extern "C" int qimeng_variant_launch(int i, const QimengAttnArgs* args, void* stream) {
    if (i < 0 || i >= qimeng_variant_count()) return -1;
    return kVariants[i].fn(args, stream);
}
