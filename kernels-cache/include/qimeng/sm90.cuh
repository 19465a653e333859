/* qimeng Hopper primitives (sm_90a): the building blocks of the warp-specialized kernel family
 * (fa3_fwd.cuh), in inline PTX of our own.
 *
 *   - mbarriers: init, arrive, arrive with an expected transaction count, parity wait;
 *   - TMA (cp.async.bulk.tensor) 4-d tile loads completing on an mbarrier, 4-d tile stores;
 *   - wgmma: fence / commit / wait, shared-memory matrix descriptors for 128-byte-swizzled
 *     tiles (the MMA shapes themselves are in the generated sm90_wgmma.cuh);
 *   - setmaxnreg, named barriers, the proxy fence between ordinary stores and TMA reads;
 *   - on the host: the 4-d tensor maps those loads and stores name.
 *
 * Shared-memory tile layout everything here assumes ("SW128 box"): a tile of R rows x 64
 * 16-bit elements (128 bytes a row), rows packed at 128 bytes, 1024-byte aligned, and the
 * 16-byte chunk c of row r stored at chunk c ^ (r % 8). That is what TMA writes with
 * CU_TENSOR_MAP_SWIZZLE_128B and a 64-element inner box, and what a wgmma descriptor with
 * layout type 1 (128B swizzle) reads. A head_dim-D tile is D / 64 such boxes side by side.
 */
#ifndef QIMENG_SM90_CUH
#define QIMENG_SM90_CUH

#include <cuda.h> /* CUtensorMap (a 128-byte opaque struct; no driver library is linked) */
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <stdint.h>

#include <type_traits>

#include "qimeng/sm90_wgmma.cuh"

namespace qimeng {
namespace sm90 {

__device__ __forceinline__ uint32_t smem_u32(const void* p) {
    return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

/* ---------------------------------------------------------------- mbarrier */

__device__ __forceinline__ void mbar_init(uint64_t* bar, uint32_t count) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" ::"r"(smem_u32(bar)), "r"(count));
}

/* Makes the barrier inits visible to the async proxy (TMA) before any copy names them. */
__device__ __forceinline__ void mbar_init_fence() {
    asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
}

__device__ __forceinline__ void mbar_arrive(uint64_t* bar) {
    asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];" ::"r"(smem_u32(bar)) : "memory");
}

/* One arrival that also announces `bytes` more bytes the TMA copies will complete. */
__device__ __forceinline__ void mbar_arrive_expect_tx(uint64_t* bar, uint32_t bytes) {
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(smem_u32(bar)),
                 "r"(bytes)
                 : "memory");
}

/* Waits until the phase with parity `parity` has completed. A fresh barrier is in phase 0, so
 * waiting for parity 1 returns at once (a producer's first wait on an empty slot). */
__device__ __forceinline__ void mbar_wait(uint64_t* bar, uint32_t parity) {
    asm volatile(
        "{\n"
        ".reg .pred done;\n"
        "WAIT_%=:\n"
        "mbarrier.try_wait.parity.shared::cta.b64 done, [%0], %1;\n"
        "@!done bra WAIT_%=;\n"
        "}\n" ::"r"(smem_u32(bar)),
        "r"(parity)
        : "memory");
}

/* ---------------------------------------------------------------- TMA */

__device__ __forceinline__ void tma_prefetch_map(const CUtensorMap* map) {
    asm volatile("prefetch.tensormap [%0];" ::"l"(reinterpret_cast<uint64_t>(map)) : "memory");
}

/* Loads the box at element coordinates (c0 innermost .. c3) of `map` into `dst` (1024-byte
 * aligned for the 128B swizzle); its bytes complete on `bar`. Out-of-bounds elements are
 * written as zeros and still count toward the transaction bytes. */
__device__ __forceinline__ void tma_load_4d(void* dst, const CUtensorMap* map, uint64_t* bar,
                                            int c0, int c1, int c2, int c3) {
    asm volatile(
        "cp.async.bulk.tensor.4d.shared::cluster.global.tile.mbarrier::complete_tx::bytes"
        " [%0], [%1, {%3, %4, %5, %6}], [%2];" ::"r"(smem_u32(dst)),
        "l"(reinterpret_cast<uint64_t>(map)), "r"(smem_u32(bar)), "r"(c0), "r"(c1), "r"(c2),
        "r"(c3)
        : "memory");
}

/* An L2 cache policy under which the lines a load brings may be evicted first: for data read
 * once, so that it does not push out what is read again. */
__device__ __forceinline__ uint64_t l2_evict_first_policy() {
    uint64_t policy;
    asm volatile("createpolicy.fractional.L2::evict_first.b64 %0, 1.0;" : "=l"(policy));
    return policy;
}

/* tma_load_4d under an L2 cache policy (from l2_evict_first_policy or another createpolicy). */
__device__ __forceinline__ void tma_load_4d_hint(void* dst, const CUtensorMap* map,
                                                 uint64_t* bar, int c0, int c1, int c2, int c3,
                                                 uint64_t policy) {
    asm volatile(
        "cp.async.bulk.tensor.4d.shared::cluster.global.tile.mbarrier::complete_tx::bytes"
        ".L2::cache_hint [%0], [%1, {%3, %4, %5, %6}], [%2], %7;" ::"r"(smem_u32(dst)),
        "l"(reinterpret_cast<uint64_t>(map)), "r"(smem_u32(bar)), "r"(c0), "r"(c1), "r"(c2),
        "r"(c3), "l"(policy)
        : "memory");
}

/* Stores the box at (c0 .. c3) from `src`; elements outside the tensor are not written. */
__device__ __forceinline__ void tma_store_4d(const CUtensorMap* map, const void* src, int c0,
                                             int c1, int c2, int c3) {
    asm volatile(
        "cp.async.bulk.tensor.4d.global.shared::cta.tile.bulk_group [%0, {%2, %3, %4, %5}], [%1];" ::
            "l"(reinterpret_cast<uint64_t>(map)),
        "r"(smem_u32(src)), "r"(c0), "r"(c1), "r"(c2), "r"(c3)
        : "memory");
}

__device__ __forceinline__ void tma_store_commit() {
    asm volatile("cp.async.bulk.commit_group;" ::: "memory");
}

/* Waits until the committed stores have read their shared memory (it may then be freed). */
__device__ __forceinline__ void tma_store_wait_read() {
    asm volatile("cp.async.bulk.wait_group.read 0;" ::: "memory");
}

/* Orders this thread's ordinary shared-memory stores before later async-proxy (TMA) reads. */
__device__ __forceinline__ void fence_proxy_async_smem() {
    asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
}

/* ---------------------------------------------------------------- warpgroups */

template <int kRegs>
__device__ __forceinline__ void setmaxnreg_inc() {
    asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;" ::"n"(kRegs));
}
template <int kRegs>
__device__ __forceinline__ void setmaxnreg_dec() {
    asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;" ::"n"(kRegs));
}

__device__ __forceinline__ void named_bar_sync(int id, int threads) {
    asm volatile("bar.sync %0, %1;" ::"r"(id), "r"(threads) : "memory");
}
__device__ __forceinline__ void named_bar_arrive(int id, int threads) {
    asm volatile("bar.arrive %0, %1;" ::"r"(id), "r"(threads) : "memory");
}

/* ---------------------------------------------------------------- wgmma */

/* Before the first wgmma of a batch: orders earlier register writes (accumulators, A
 * fragments) before the tensor cores read them. */
__device__ __forceinline__ void wgmma_fence() {
    asm volatile("wgmma.fence.sync.aligned;" ::: "memory");
}
__device__ __forceinline__ void wgmma_commit() {
    asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory");
}
/* Waits until at most kPending committed groups of this warpgroup are still in flight. */
template <int kPending>
__device__ __forceinline__ void wgmma_wait() {
    asm volatile("wgmma.wait_group.sync.aligned %0;" ::"n"(kPending) : "memory");
}

/* Pins register arrays at this point of the program: the compiler may not move their reads or
 * writes across it. Placed after a wgmma_wait so that no use of an accumulator (or reuse of
 * an A-fragment register) is scheduled while the asynchronous MMA may still own it. */
template <int N>
__device__ __forceinline__ void fence_regs(float (&r)[N]) {
#pragma unroll
    for (int i = 0; i < N; ++i) asm volatile("" : "+f"(r[i])::"memory");
}
template <int N>
__device__ __forceinline__ void fence_regs(uint32_t (&r)[N][4]) {
#pragma unroll
    for (int i = 0; i < N; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) asm volatile("" : "+r"(r[i][j])::"memory");
}

/* Matrix descriptor of an SW128 box (see the top of this file), start address `smem` (may be
 * offset by multiples of 32 bytes within a row to step along K; the swizzle is applied to the
 * absolute address, so the 1024-byte alignment of the box is what matters).
 *   K-major (A or B with K contiguous): 8-row groups are `sbo` = 1024 bytes apart; the
 *     leading offset is unused for swizzled K-major layouts (1 by convention).
 *   MN-major (B = V, N contiguous): 64-element N atoms are `lbo` bytes apart (the next box),
 *     8-row K groups `sbo` = 1024 bytes apart. */
__device__ __forceinline__ uint64_t make_desc_sw128(uint32_t smem, uint32_t lbo, uint32_t sbo) {
    uint64_t d = 0;
    d |= uint64_t((smem & 0x3FFFF) >> 4);
    d |= uint64_t((lbo >> 4) & 0x3FFF) << 16;
    d |= uint64_t((sbo >> 4) & 0x3FFF) << 32;
    d |= uint64_t(1) << 62; /* layout type 1: 128-byte swizzle; base offset 0 */
    return d;
}

/* ---------------------------------------------------------------- tensor maps (host) */

using EncodeTiledFn = CUresult (*)(CUtensorMap*, CUtensorMapDataType, cuuint32_t, void*,
                                   const cuuint64_t*, const cuuint64_t*, const cuuint32_t*,
                                   const cuuint32_t*, CUtensorMapInterleave, CUtensorMapSwizzle,
                                   CUtensorMapL2promotion, CUtensorMapFloatOOBfill);

/* cuTensorMapEncodeTiled through the runtime's driver entry point (no libcuda link); nullptr
 * where the driver lacks it. */
inline EncodeTiledFn encode_tiled() {
    static const EncodeTiledFn fn = []() -> EncodeTiledFn {
        void* p = nullptr;
        cudaDriverEntryPointQueryResult q{};
        if (cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &p, 12000, cudaEnableDefault,
                                             &q) != cudaSuccess ||
            q != cudaDriverEntryPointSuccess)
            return nullptr;
        return reinterpret_cast<EncodeTiledFn>(p);
    }();
    return fn;
}

/* A 4-d map over a 16-bit (__half or __nv_bfloat16) tensor: `dims` innermost first, the byte
 * strides of dims 1..3, boxes of 64 elements x `box_rows` x 1 x 1 landing as SW128 boxes,
 * 256-byte L2 promotion, out-of-bounds elements read as zeros. False where the driver lacks the
 * encoder or refuses the map (strides must be nonzero multiples of 16 bytes under 2^40). */
template <class T>
inline bool encode_map_4d(CUtensorMap* map, const void* ptr, const cuuint64_t (&dims)[4],
                          const cuuint64_t (&byte_strides)[3], int box_rows) {
    static_assert(std::is_same<T, __half>::value || std::is_same<T, __nv_bfloat16>::value,
                  "16-bit elements only");
    const EncodeTiledFn fn = encode_tiled();
    if (fn == nullptr) return false;
    const cuuint32_t box[4] = {64, cuuint32_t(box_rows), 1, 1};
    const cuuint32_t elem[4] = {1, 1, 1, 1};
    const CUtensorMapDataType dt = std::is_same<T, __half>::value
                                       ? CU_TENSOR_MAP_DATA_TYPE_FLOAT16
                                       : CU_TENSOR_MAP_DATA_TYPE_BFLOAT16;
    return fn(map, dt, 4, const_cast<void*>(ptr), dims, byte_strides, box, elem,
              CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
              CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE) == CUDA_SUCCESS;
}

}  // namespace sm90
}  // namespace qimeng

#endif /* QIMENG_SM90_CUH */
