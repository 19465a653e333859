/* Record of hop10's device calls: kept here, not in bench/hopper/, because it needs the kSplitTail
 * option of fa3_fwd.cuh, which was not kept; it builds from bench/hopper/ with split-tail.patch
 * (this folder) applied to the headers. */
/* hop10's second call: where the cluster launch of d64 full's short schedule (kSplitTail) loses
 * 18% (call 1). The same schedule (3 stages, 4 row chains, kQStages 2, kDeferEpilogue), bf16:
 *   ctl        without kSplitTail, fa3_fwd_launch (main's kernel);
 *   split      with kSplitTail, fa3_fwd_launch (the entry: pairs when the last round is short);
 *   split-nocl with kSplitTail, launched without clusters (its code, nothing split);
 *   ctl-cl     without kSplitTail, launched in clusters of 2 (the cluster launch alone);
 *   ctl-cl-spread, split-spread: the same with the cluster scheduling policy "spread";
 *   split-cl   with kSplitTail, clusters of 2 always, without fa3_fwd_launch's occupancy query
 *              (split's launcher asks it once per device, call 2's header; call 1's per call).
 * Exports of bench/variant_exports.h (bench.py's Variants class; raw/hop10/abv.py times them).
 *   nvcc -O3 -std=c++17 -shared -Xcompiler -fPIC -I kernels-cache/include \
 *     -gencode arch=compute_90a,code=sm_90a -cudart static -L <cu13>/lib \
 *     bench/hopper/variants_hop10.cu -o libqimeng_variants.so */
#include "qimeng/fa3_fwd.cuh"

#include "../variant_exports.h"

namespace {

template <bool SPLIT>
struct ShortSpec {
    using Element = __nv_bfloat16;
    static constexpr int kHeadDim = 64;
    static constexpr int kBlockN = 128;
    static constexpr int kStages = 3;
    static constexpr bool kCausal = false;
    static constexpr bool kOverlap = true;
    static constexpr bool kPingPong = true;
    static constexpr int kConsumerWGs = 2;
    static constexpr bool kPersistent = true;
    static constexpr int kRowPartials = 4;
    static constexpr int kQStages = 2;
    static constexpr bool kDeferEpilogue = true;
    static constexpr bool kSplitTail = SPLIT;
};

/* fa3_fwd_launch's persistent path with a chosen launch: cluster 1 or 2, policy default or
 * spread (full attention, fixed lengths only) */
template <class Spec, int CLUSTER, bool SPREAD>
int launch(const QimengAttnArgs* args, void* stream) {
    using Cfg = qimeng::Fa3Config<Spec>;
    using T = typename Cfg::Element;
    const QimengAttnArgs& a = *args;
    CUtensorMap tq, tk, tv, to;
    namespace fd = qimeng::fa3_detail;
    if (!fd::make_map<T>(&tq, a.q, 64, a.seqlen_q, a.heads_q, a.batch, a.q_row_stride,
                         a.q_head_stride, a.q_batch_stride, Cfg::kBlockM) ||
        !fd::make_map<T>(&tk, a.k, 64, a.seqlen_k, a.heads_kv, a.batch, a.k_row_stride,
                         a.k_head_stride, a.k_batch_stride, Cfg::kBlockN) ||
        !fd::make_map<T>(&tv, a.v, 64, a.seqlen_k, a.heads_kv, a.batch, a.v_row_stride,
                         a.v_head_stride, a.v_batch_stride, Cfg::kBlockN) ||
        !fd::make_map<T>(&to, a.o, 64, a.seqlen_q, a.heads_q, a.batch, a.o_row_stride,
                         a.o_head_stride, a.o_batch_stride, 64))
        return int(cudaErrorInvalidValue);
    int dev = 0, sms = 0;
    cudaGetDevice(&dev);
    cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev);
    const int m_blocks = (a.seqlen_q + Cfg::kBlockM - 1) / Cfg::kBlockM;
    const long tiles = long(m_blocks) * a.heads_q * a.batch;
    int g = int(tiles < sms ? tiles : sms);
    if (CLUSTER == 2 && g % 2) return int(cudaErrorInvalidValue);
    auto kern = qimeng::fa3_fwd_kernel<Spec>;
    cudaError_t e =
        cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, Cfg::kSmemBytes);
    if (e != cudaSuccess) return int(e);
    cudaLaunchAttribute attr[2];
    attr[0].id = cudaLaunchAttributeClusterDimension;
    attr[0].val.clusterDim.x = CLUSTER;
    attr[0].val.clusterDim.y = 1;
    attr[0].val.clusterDim.z = 1;
    attr[1].id = cudaLaunchAttributeClusterSchedulingPolicyPreference;
    attr[1].val.clusterSchedulingPolicyPreference =
        SPREAD ? cudaClusterSchedulingPolicySpread : cudaClusterSchedulingPolicyDefault;
    cudaLaunchConfig_t cfg = {};
    cfg.gridDim = dim3(g, 1, 1);
    cfg.blockDim = dim3(Cfg::kThreads, 1, 1);
    cfg.dynamicSmemBytes = Cfg::kSmemBytes;
    cfg.stream = static_cast<cudaStream_t>(stream);
    cfg.attrs = attr;
    cfg.numAttrs = CLUSTER == 2 ? 2 : 0;
    e = cudaLaunchKernelEx(&cfg, kern, tq, tk, tv, to, a);
    return int(e != cudaSuccess ? e : cudaGetLastError());
}

using qimeng_bench::Variant;

const Variant kVariants[] = {
    {"d64-short-ctl", qimeng::fa3_fwd_launch<ShortSpec<false>>, 64, 0},
    {"d64-short-split", qimeng::fa3_fwd_launch<ShortSpec<true>>, 64, 0},
    {"d64-short-split-nocl", launch<ShortSpec<true>, 1, false>, 64, 0},
    {"d64-short-ctl-cl", launch<ShortSpec<false>, 2, false>, 64, 0},
    {"d64-short-ctl-cl-spread", launch<ShortSpec<false>, 2, true>, 64, 0},
    {"d64-short-split-spread", launch<ShortSpec<true>, 2, true>, 64, 0},
    {"d64-short-split-cl", launch<ShortSpec<true>, 2, false>, 64, 0},
};

}  // namespace

QIMENG_VARIANT_EXPORTS(kVariants)
