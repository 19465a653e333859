/* qimeng primitives: the warp-level building blocks every cache entry shares.
 *
 * Small __device__ wrappers around PTX, one source for sm_75, sm_80 and sm_90a. The path is
 * chosen by __CUDA_ARCH__ (QIMENG_TURING below), never by the caller:
 *   - tensor-core MMA m16n8k16 with f32 accumulators (sm_75: two m16n8k8, f16 only);
 *   - ldmatrix x4 / x4.trans (shared -> registers in MMA fragment layout);
 *   - 16-byte global -> shared copies: cp.async with zero-fill on sm_80+, a register-staged
 *     copy with the same interface on sm_75 (which may convert bf16 -> f16 on the way);
 *   - quad reductions (the 4 threads of an MMA row), exp2, f32x2 -> 16-bit packing, barriers.
 *
 * Fragment layouts (PTX ISA, "mma.m16n8k16"), lane = 4 * g + t:
 *   A (16x16, row):  reg0 = (g,   2t..2t+1)  reg1 = (g+8, 2t..2t+1)
 *                    reg2 = (g, 2t+8..2t+9)  reg3 = (g+8, 2t+8..2t+9)
 *   B (16x8, col):   reg0 = (k 2t..2t+1, n g)  reg1 = (k 2t+8..2t+9, n g)
 *   C (16x8, f32):   c0,c1 = (g, 2t..2t+1)      c2,c3 = (g+8, 2t..2t+1)
 * m16n8k8 has A = {reg0, reg1}, B = {reg0}, the same C; so m16n8k16 is exactly k8 on
 * (A reg0, reg1; B reg0) followed by k8 on (A reg2, reg3; B reg1).
 */
#ifndef QIMENG_PRIMS_CUH
#define QIMENG_PRIMS_CUH

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <stdint.h>

#include <type_traits>

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
#define QIMENG_TURING 1 /* no cp.async, no bf16 MMA, MMA k = 8 */
#endif

namespace qimeng {

template <class T>
struct dependent_false : std::false_type {};

/* Largest dynamic shared memory one block may opt into on the arch being compiled, in bytes.
 * Mirrors `smem_per_block` of the GPU table in qimeng-spec/src/gpu.rs; 0 in the host pass. */
#if !defined(__CUDA_ARCH__)
constexpr int kArchSmemPerBlock = 0;
#elif __CUDA_ARCH__ >= 900
constexpr int kArchSmemPerBlock = 227 * 1024;
#elif __CUDA_ARCH__ >= 860
constexpr int kArchSmemPerBlock = 99 * 1024;
#elif __CUDA_ARCH__ >= 800
constexpr int kArchSmemPerBlock = 163 * 1024;
#else
constexpr int kArchSmemPerBlock = 64 * 1024;
#endif

/* ---------------------------------------------------------------- barriers */

/* Named barrier ids. Only the whole-block barrier is used today. */
enum BarrierId : int {
    kBarrierBlock = 0, /* every thread of the block (__syncthreads) */
};

__device__ __forceinline__ void block_sync() { __syncthreads(); }

__device__ __forceinline__ void named_barrier_sync(BarrierId id, int num_threads) {
    asm volatile("bar.sync %0, %1;\n" ::"r"(static_cast<int>(id)), "r"(num_threads) : "memory");
}

/* ---------------------------------------------------------------- addresses */

__device__ __forceinline__ uint32_t smem_addr(const void* p) {
    return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

/* ---------------------------------------------------------------- global -> shared */

/* Converts 8 bf16 (one 16-byte chunk) to 8 f16. Exact for normal values under 65504. */
__device__ __forceinline__ uint4 bf16x8_to_f16x8(uint4 v) {
    uint32_t w[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        const float lo = __uint_as_float(w[i] << 16);          /* bf16 -> f32 is a shift */
        const float hi = __uint_as_float(w[i] & 0xffff0000u);
        const __half2 h = __floats2half2_rn(lo, hi);
        w[i] = *reinterpret_cast<const uint32_t*>(&h);
    }
    return make_uint4(w[0], w[1], w[2], w[3]);
}

/* Copies 16 bytes global -> shared; writes zeros instead when !valid (then `src` is not read,
 * but must still be a valid address). sm_80+: asynchronous (cp.async.cg, complete it with
 * cp_async_commit / cp_async_wait); sm_75: synchronous through registers, optionally converting
 * bf16 -> f16 (kConvertBf16ToF16; only the sm_75 path may convert). */
template <bool kConvertBf16ToF16>
__device__ __forceinline__ void copy16_g2s(void* dst, const void* src, bool valid) {
#ifdef QIMENG_TURING
    uint4 v = make_uint4(0u, 0u, 0u, 0u);
    if (valid) {
        asm volatile("ld.global.nc.v4.u32 {%0, %1, %2, %3}, [%4];\n"
                     : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                     : "l"(src));
        if (kConvertBf16ToF16) v = bf16x8_to_f16x8(v);
    }
    asm volatile("st.shared.v4.u32 [%0], {%1, %2, %3, %4};\n" ::"r"(smem_addr(dst)), "r"(v.x),
                 "r"(v.y), "r"(v.z), "r"(v.w)
                 : "memory");
#else
    static_assert(!kConvertBf16ToF16, "bf16 -> f16 conversion on the copy is the sm_75 path only");
    const int src_size = valid ? 16 : 0; /* 0: no bytes read, 16 zero bytes written */
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_addr(dst)), "l"(src),
                 "r"(src_size)
                 : "memory");
#endif
}

/* Closes the group of copies issued since the last commit (no-op on sm_75: copies are done). */
__device__ __forceinline__ void cp_async_commit() {
#ifndef QIMENG_TURING
    asm volatile("cp.async.commit_group;\n" ::: "memory");
#endif
}

/* Waits until at most kPending committed groups are still in flight (no-op on sm_75). */
template <int kPending>
__device__ __forceinline__ void cp_async_wait() {
#ifndef QIMENG_TURING
    asm volatile("cp.async.wait_group %0;\n" ::"n"(kPending) : "memory");
#endif
}

/* ---------------------------------------------------------------- shared -> registers */

/* Four 8x8 b16 matrices; lanes 8i..8i+7 give the row addresses of matrix i, r[i] receives it. */
__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], const void* smem_row) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(smem_addr(smem_row)));
}

/* As ldmatrix_x4, each matrix transposed (for a B operand stored k-major, e.g. V). */
__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], const void* smem_row) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(smem_addr(smem_row)));
}

/* ---------------------------------------------------------------- tensor-core MMA */

/* c += a * b, m16n8k16, 16-bit operands of type T (half or __nv_bfloat16), f32 accumulators. */
template <class T>
__device__ __forceinline__ void mma_m16n8k16(float (&c)[4], const uint32_t (&a)[4],
                                             uint32_t b0, uint32_t b1) {
    if constexpr (std::is_same<T, __half>::value) {
#ifdef QIMENG_TURING
        asm volatile(
            "mma.sync.aligned.m16n8k8.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5}, {%6}, "
            "{%0, %1, %2, %3};\n"
            : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
            : "r"(a[0]), "r"(a[1]), "r"(b0));
        asm volatile(
            "mma.sync.aligned.m16n8k8.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5}, {%6}, "
            "{%0, %1, %2, %3};\n"
            : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
            : "r"(a[2]), "r"(a[3]), "r"(b1));
#else
        asm volatile(
            "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, "
            "{%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
            : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
            : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
#endif
    } else if constexpr (std::is_same<T, __nv_bfloat16>::value) {
#ifdef QIMENG_TURING
        static_assert(dependent_false<T>::value,
                      "sm_75 tensor cores have no bf16: compute in f16 (MmaElement = __half)");
#else
        asm volatile(
            "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, "
            "{%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
            : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
            : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
#endif
    } else {
        static_assert(dependent_false<T>::value, "MMA operands are __half or __nv_bfloat16");
    }
}

/* ---------------------------------------------------------------- math */

/* 2^x, approximate (ex2.approx.ftz): 2^-inf = 0, 2^0 = 1 exactly. */
__device__ __forceinline__ float exp2_approx(float x) {
    float y;
    asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
    return y;
}

/* tanh, one MUFU op (sm_75+): relative error under 2^-10.9, below the rounding of a score to
 * bf16 or f16 (2^-9, 2^-12 of its magnitude after the cap's scaling: see fa2_fwd.cuh). */
__device__ __forceinline__ float tanh_approx(float x) {
    float y;
    asm("tanh.approx.f32 %0, %1;\n" : "=f"(y) : "f"(x));
    return y;
}

/* Max / sum over the 4 threads of a quad (the threads holding one MMA row). */
__device__ __forceinline__ float quad_max(float x) {
    x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 1));
    return fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 2));
}

__device__ __forceinline__ float quad_sum(float x) {
    x += __shfl_xor_sync(0xffffffffu, x, 1);
    return x + __shfl_xor_sync(0xffffffffu, x, 2);
}

/* Rounds (lo, hi) to T (round to nearest even) and packs them, lo in the low 16 bits. */
template <class T>
__device__ __forceinline__ uint32_t pack2(float lo, float hi) {
    uint32_t r;
    if constexpr (std::is_same<T, __half>::value) {
#ifdef QIMENG_TURING
        const __half2 h = __floats2half2_rn(lo, hi);
        r = *reinterpret_cast<const uint32_t*>(&h);
#else
        asm("cvt.rn.f16x2.f32 %0, %1, %2;\n" : "=r"(r) : "f"(hi), "f"(lo));
#endif
    } else if constexpr (std::is_same<T, __nv_bfloat16>::value) {
#ifdef QIMENG_TURING
        const __nv_bfloat162 h = __floats2bfloat162_rn(lo, hi); /* software rounding on sm_75 */
        r = *reinterpret_cast<const uint32_t*>(&h);
#else
        asm("cvt.rn.bf16x2.f32 %0, %1, %2;\n" : "=r"(r) : "f"(hi), "f"(lo));
#endif
    } else {
        static_assert(dependent_false<T>::value, "pack2 packs to __half or __nv_bfloat16");
    }
    return r;
}

}  // namespace qimeng

#endif /* QIMENG_PRIMS_CUH */
