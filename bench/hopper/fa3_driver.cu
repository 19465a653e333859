/* Standalone self-checking driver of the Hopper kernel family (fa3_fwd.cuh), issue 7.
 *
 *   fa3_driver check     correctness of every variant on shapes with tails, GQA, sq != sk
 *                        causal, padded strides, f16 and bf16 (f32 reference on the GPU)
 *   fa3_driver small     one small shape per variant (for compute-sanitizer)
 *   fa3_driver bench     TFLOP/s over the FA3 grid (16k tokens, hidden 2048), CUDA events,
 *                        median of 20 after 3 warm-ups; sampled rows checked against the
 *                        reference on every timed cell
 *
 * Build: bench/hopper/build.sh (nvcc, sm_90a only, static cudart). Every CUDA call is checked;
 * outputs are poisoned (all-ones bits: NaN in bf16 and f16) before each checked run, and every
 * element must be written.
 */
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "qimeng/fa3_fwd.cuh"

#define CK(x)                                                                              \
    do {                                                                                   \
        cudaError_t e_ = (x);                                                              \
        if (e_ != cudaSuccess) {                                                           \
            fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(e_)); \
            exit(2);                                                                       \
        }                                                                                  \
    } while (0)

template <class E, int D, int BN, int ST, bool C, bool OV, bool PP, int WGS = 2, bool WS = true,
          bool PERS = false>
struct Sp {
    static constexpr bool kPersistent = PERS;
    static constexpr int kConsumerWGs = WGS;
    static constexpr bool kWarpSpecialized = WS;
    using Element = E;
    static constexpr int kHeadDim = D;
    static constexpr int kBlockN = BN;
    static constexpr int kStages = ST;
    static constexpr bool kCausal = C;
    static constexpr bool kOverlap = OV;
    static constexpr bool kPingPong = PP;
};

using bf16 = __nv_bfloat16;
using f16 = __half;

struct Variant {
    const char* name;
    int d;
    bool causal;
    bool is_f16;
    int (*launch)(const QimengAttnArgs*, void*);
};

#define V(name, E, D, BN, ST, C, OV, PP, ...) \
    Variant { name, D, C, std::is_same<E, f16>::value, qimeng::fa3_fwd_launch<Sp<E, D, BN, ST, C, OV, PP, ##__VA_ARGS__>> }

/* The FA2-class cache entries (kernels-cache/fwd-h100-*, linked in by build.sh): the baseline
 * timed in the same run. */
QIMENG_EXTERN_C int qimeng_fwd_h100_bf16_d128_full(const QimengAttnArgs*, void*);
QIMENG_EXTERN_C int qimeng_fwd_h100_bf16_d128_causal(const QimengAttnArgs*, void*);
QIMENG_EXTERN_C int qimeng_fwd_h100_bf16_d64_full(const QimengAttnArgs*, void*);
QIMENG_EXTERN_C int qimeng_fwd_h100_bf16_d64_causal(const QimengAttnArgs*, void*);
QIMENG_EXTERN_C int qimeng_fwd_h100_bf16_d256_full(const QimengAttnArgs*, void*);
QIMENG_EXTERN_C int qimeng_fwd_h100_bf16_d256_causal(const QimengAttnArgs*, void*);

static const Variant kVariants[] = {
    /* the main configuration per (d, mask) first; ablations after */
    V("d128-full", bf16, 128, 128, 2, false, true, true),
    V("d128-causal", bf16, 128, 128, 2, true, true, true),
    V("d64-full", bf16, 64, 128, 2, false, true, true),
    V("d64-causal", bf16, 64, 128, 2, true, true, true),
    V("d64-full-3wg", bf16, 64, 128, 2, false, true, true, 3),
    V("d64-causal-3wg", bf16, 64, 128, 2, true, true, true, 3),
    V("d64-full-bn192", bf16, 64, 192, 2, false, true, true),
    V("d64-causal-bn192", bf16, 64, 192, 2, true, true, true),
    V("d256-full", bf16, 256, 64, 2, false, true, true),
    V("d256-causal", bf16, 256, 64, 2, true, true, true),
    V("f16-d128-full", f16, 128, 128, 2, false, true, true),
    V("f16-d64-causal-3wg", f16, 64, 128, 2, true, true, true, 3),
    V("d128-full-nows", bf16, 128, 128, 2, false, true, true, 2, false),
    V("d128-full-nopp", bf16, 128, 128, 2, false, true, false),
    V("d128-full-serial", bf16, 128, 128, 2, false, false, false),
    /* persistent: grid = SMs, a static tile order, the K/V ring and the next tile's Q loads
     * running under the current tile's last GEMMs and epilogue */
    V("d128-full-pers", bf16, 128, 128, 2, false, true, true, 2, true, true),
    V("d128-causal-pers", bf16, 128, 128, 2, true, true, true, 2, true, true),
    /* (3 warpgroups at BN 128 persistent, measured in run 3, spill 56-80 bytes at 160 registers:
     * left out, tests/hopper_family.rs keeps the driver spill-free) */
    V("d64-full-pers", bf16, 64, 128, 2, false, true, true, 2, true, true),
    V("d64-causal-pers", bf16, 64, 128, 2, true, true, true, 2, true, true),
    V("d64-causal-bn64-pers", bf16, 64, 64, 2, true, true, true, 2, true, true),
    V("d64-causal-3wg-bn64-pers", bf16, 64, 64, 3, true, true, true, 3, true, true),
    V("f16-d128-causal-pers", f16, 128, 128, 2, true, true, true, 2, true, true),
    V("f16-d64-causal-pers", f16, 64, 128, 2, true, true, true, 2, true, true),
    {"fa2-entry-d128-full", 128, false, false, qimeng_fwd_h100_bf16_d128_full},
    {"fa2-entry-d128-causal", 128, true, false, qimeng_fwd_h100_bf16_d128_causal},
    {"fa2-entry-d64-full", 64, false, false, qimeng_fwd_h100_bf16_d64_full},
    {"fa2-entry-d64-causal", 64, true, false, qimeng_fwd_h100_bf16_d64_causal},
    {"fa2-entry-d256-full", 256, false, false, qimeng_fwd_h100_bf16_d256_full},
    {"fa2-entry-d256-causal", 256, true, false, qimeng_fwd_h100_bf16_d256_causal},
};

/* ---------------------------------------------------------------- data and reference */

__device__ __host__ inline uint32_t hash32(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return uint32_t(x);
}

template <class T>
__global__ void fill_random(T* p, int64_t n, uint64_t seed) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
         i += int64_t(gridDim.x) * blockDim.x) {
        const float u = float(hash32(seed * 0x9E3779B97F4A7C15ULL + uint64_t(i))) * (1.f / 4294967296.f);
        p[i] = T(2.f * u - 1.f);
    }
}

/* Counts 16-bit values with an all-ones exponent (inf / NaN) in the real columns of each row. */
__global__ void count_nonfinite(const uint16_t* p, int64_t n, int64_t row, int64_t real,
                                uint16_t exp_mask, unsigned long long* out) {
    unsigned long long c = 0;
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
         i += int64_t(gridDim.x) * blockDim.x)
        if (i % row < real && (p[i] & exp_mask) == exp_mask) ++c;
    if (c) atomicAdd(out, c);
}

struct Shape {
    int b, sq, sk, hq, hkv, d;
    bool causal;
    int pad; /* extra elements per row (row stride = heads * d + pad) */
};

/* One warp per sampled (batch, head, row): f32 online softmax; lane holds dims lane + 32 i. */
template <class T, int D>
__global__ void ref_attn(const T* q, const T* k, const T* v, float* out, QimengAttnArgs a,
                         bool causal, int row_step, int n_samp) {
    const int gw = (blockIdx.x * blockDim.x + threadIdx.x) / 32;
    const int lane = threadIdx.x % 32;
    const int total = a.batch * a.heads_q * n_samp;
    if (gw >= total) return;
    const int ri = gw % n_samp, h = (gw / n_samp) % a.heads_q, b = gw / (n_samp * a.heads_q);
    const int row = ri * row_step;
    const int hk = h / (a.heads_q / a.heads_kv);
    constexpr int R = D / 32;
    float qv[R], acc[R];
    const T* qp = q + b * a.q_batch_stride + h * a.q_head_stride + int64_t(row) * a.q_row_stride;
#pragma unroll
    for (int i = 0; i < R; ++i) {
        qv[i] = float(qp[lane + 32 * i]);
        acc[i] = 0.f;
    }
    float m = -INFINITY, l = 0.f;
    int last = a.seqlen_k - 1;
    if (causal) last = min(last, row + a.seqlen_k - a.seqlen_q);
    for (int j = 0; j <= last; ++j) {
        const T* kp = k + b * a.k_batch_stride + hk * a.k_head_stride + int64_t(j) * a.k_row_stride;
        float dot = 0.f;
#pragma unroll
        for (int i = 0; i < R; ++i) dot += qv[i] * float(kp[lane + 32 * i]);
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) dot += __shfl_xor_sync(0xffffffffu, dot, o);
        const float sc = dot * a.softmax_scale;
        const float mn = fmaxf(m, sc);
        const float corr = expf(m - mn), pj = expf(sc - mn);
        l = l * corr + pj;
        const T* vp = v + b * a.v_batch_stride + hk * a.v_head_stride + int64_t(j) * a.v_row_stride;
#pragma unroll
        for (int i = 0; i < R; ++i) acc[i] = acc[i] * corr + pj * float(vp[lane + 32 * i]);
        m = mn;
    }
    float* op = out + int64_t(gw) * D;
#pragma unroll
    for (int i = 0; i < R; ++i) op[lane + 32 * i] = l > 0.f ? acc[i] / l : 0.f;
}

template <class T>
static float to_f(T x) {
    return float(x);
}

struct Buffers {
    void *q = nullptr, *k = nullptr, *v = nullptr, *o = nullptr;
    float* ref = nullptr;
    size_t nq = 0, nk = 0;
    QimengAttnArgs a{};
};

static Buffers make(const Shape& s, bool is_f16, uint64_t seed) {
    Buffers B;
    const int64_t rq = int64_t(s.hq) * s.d + s.pad, rk = int64_t(s.hkv) * s.d + s.pad;
    B.nq = size_t(s.b) * s.sq * rq;
    B.nk = size_t(s.b) * s.sk * rk;
    CK(cudaMalloc(&B.q, B.nq * 2));
    CK(cudaMalloc(&B.o, B.nq * 2));
    CK(cudaMalloc(&B.k, B.nk * 2));
    CK(cudaMalloc(&B.v, B.nk * 2));
    auto fill = [&](void* p, size_t n, uint64_t sd) {
        if (is_f16)
            fill_random<f16><<<1024, 256>>>(static_cast<f16*>(p), int64_t(n), sd);
        else
            fill_random<bf16><<<1024, 256>>>(static_cast<bf16*>(p), int64_t(n), sd);
        CK(cudaGetLastError());
    };
    fill(B.q, B.nq, seed * 4 + 1);
    fill(B.k, B.nk, seed * 4 + 2);
    fill(B.v, B.nk, seed * 4 + 3);
    QimengAttnArgs& a = B.a;
    a.q = B.q, a.k = B.k, a.v = B.v, a.o = B.o;
    a.q_batch_stride = int64_t(s.sq) * rq, a.q_row_stride = rq, a.q_head_stride = s.d;
    a.k_batch_stride = int64_t(s.sk) * rk, a.k_row_stride = rk, a.k_head_stride = s.d;
    a.v_batch_stride = a.k_batch_stride, a.v_row_stride = rk, a.v_head_stride = s.d;
    a.o_batch_stride = a.q_batch_stride, a.o_row_stride = rq, a.o_head_stride = s.d;
    a.batch = s.b, a.seqlen_q = s.sq, a.seqlen_k = s.sk, a.heads_q = s.hq, a.heads_kv = s.hkv;
    a.head_dim = s.d;
    a.softmax_scale = 1.f / std::sqrt(float(s.d));
    return B;
}

static void release(Buffers& B) {
    cudaFree(B.q), cudaFree(B.k), cudaFree(B.v), cudaFree(B.o);
    if (B.ref) cudaFree(B.ref);
}

struct CheckResult {
    double max_abs = 0, rel_l2 = 0;
    long nan = 0, unwritten_pad = 0;
};

/* Runs the reference on sampled rows and compares; also scans the whole output for NaN. */
static CheckResult check(const Shape& s, bool is_f16, Buffers& B, int row_step) {
    const int n_samp = (s.sq + row_step - 1) / row_step;
    const size_t nref = size_t(s.b) * s.hq * n_samp * s.d;
    if (!B.ref) CK(cudaMalloc(&B.ref, nref * sizeof(float)));
    const int warps = s.b * s.hq * n_samp;
    const int blocks = (warps * 32 + 255) / 256;
#define REF(T, D) ref_attn<T, D><<<blocks, 256>>>(static_cast<const T*>(B.q), static_cast<const T*>(B.k), static_cast<const T*>(B.v), B.ref, B.a, s.causal, row_step, n_samp)
    if (is_f16) {
        if (s.d == 64) REF(f16, 64);
        else if (s.d == 128) REF(f16, 128);
        else REF(f16, 256);
    } else {
        if (s.d == 64) REF(bf16, 64);
        else if (s.d == 128) REF(bf16, 128);
        else REF(bf16, 256);
    }
#undef REF
    CK(cudaGetLastError());
    CK(cudaDeviceSynchronize());
    std::vector<float> ref(nref);
    CK(cudaMemcpy(ref.data(), B.ref, nref * sizeof(float), cudaMemcpyDeviceToHost));
    std::vector<uint16_t> o(B.nq);
    CK(cudaMemcpy(o.data(), B.o, B.nq * 2, cudaMemcpyDeviceToHost));
    auto val = [&](size_t i) -> float {
        if (is_f16) {
            f16 h;
            memcpy(&h, &o[i], 2);
            return __half2float(h);
        }
        bf16 h;
        memcpy(&h, &o[i], 2);
        return __bfloat162float(h);
    };
    CheckResult r;
    const int64_t rq = B.a.q_row_stride;
    /* every element of every real row written (no NaN left of the poison): counted on the GPU */
    {
        unsigned long long* cnt;
        CK(cudaMalloc(&cnt, sizeof(unsigned long long)));
        CK(cudaMemset(cnt, 0, sizeof(unsigned long long)));
        count_nonfinite<<<1024, 256>>>(static_cast<const uint16_t*>(B.o), int64_t(B.nq), rq,
                                       int64_t(s.hq) * s.d, is_f16 ? 0x7C00 : 0x7F80, cnt);
        CK(cudaGetLastError());
        unsigned long long h = 0;
        CK(cudaMemcpy(&h, cnt, sizeof(h), cudaMemcpyDeviceToHost));
        CK(cudaFree(cnt));
        r.nan = long(h);
    }
    /* pad columns (row stride > heads * d) must still hold the poison: no write outside */
    if (s.pad > 0)
        for (size_t i = 0; i < B.nq; ++i)
            if (int64_t(i % rq) >= int64_t(s.hq) * s.d && !std::isnan(val(i))) ++r.unwritten_pad;
    double se = 0, sr = 0;
    for (int b = 0; b < s.b; ++b)
        for (int h = 0; h < s.hq; ++h)
            for (int ri = 0; ri < n_samp; ++ri) {
                const int row = ri * row_step;
                for (int c = 0; c < s.d; ++c) {
                    const float x = val(size_t(b) * B.a.o_batch_stride + size_t(row) * rq +
                                        size_t(h) * s.d + c);
                    const float y = ref[((size_t(b) * s.hq + h) * n_samp + ri) * s.d + c];
                    const double e = std::fabs(double(x) - y);
                    if (!(e <= r.max_abs)) r.max_abs = std::isnan(e) ? INFINITY : std::max(r.max_abs, e);
                    se += e * e;
                    sr += double(y) * y;
                }
            }
    r.rel_l2 = sr > 0 ? std::sqrt(se / sr) : std::sqrt(se);
    return r;
}

static bool run_check(const Variant& v, const Shape& s, int row_step, uint64_t seed, bool verbose) {
    Buffers B = make(s, v.is_f16, seed);
    CK(cudaMemset(B.o, 0xFF, B.nq * 2));
    const int rc = v.launch(&B.a, nullptr);
    if (rc != 0) {
        printf("FAIL %-20s launch error %d (%s)\n", v.name, rc, cudaGetErrorString(cudaError_t(rc)));
        release(B);
        return false;
    }
    CK(cudaDeviceSynchronize());
    CheckResult r = check(s, v.is_f16, B, row_step);
    const double tol = v.is_f16 ? 2e-3 : 1e-2;
    /* inputs in [-1, 1], scale 1/sqrt(d): outputs are O(0.1-1); 16-bit output rounding alone
     * is up to 2^-8 (bf16) of 1 */
    const double max_tol = v.is_f16 ? 4e-3 : 3e-2;
    const bool ok = r.nan == 0 && r.unwritten_pad == 0 && r.rel_l2 < tol && r.max_abs < max_tol;
    if (verbose || !ok)
        printf("%s %-20s b=%d sq=%d sk=%d hq=%d hkv=%d d=%d %s pad=%d: max_abs %.3e rel_l2 %.3e nan %ld pad_writes %ld\n",
               ok ? "ok  " : "FAIL", v.name, s.b, s.sq, s.sk, s.hq, s.hkv, s.d,
               s.causal ? "causal" : "full", s.pad, r.max_abs, r.rel_l2, r.nan, r.unwritten_pad);
    release(B);
    return ok;
}

/* filter: a comma-separated list of substrings of variant names, or =name for one variant
 * (null: every variant) */
static bool selected(const char* name, const char* filter) {
    if (filter == nullptr) return true;
    std::string f(filter);
    size_t pos = 0;
    while (pos <= f.size()) {
        size_t e = f.find(',', pos);
        if (e == std::string::npos) e = f.size();
        const std::string part = f.substr(pos, e - pos);
        /* "=name": that variant only */
        if (part.size() > 1 && part[0] == '=' && part.compare(1, std::string::npos, name) == 0)
            return true;
        if (!part.empty() && part[0] != '=' && strstr(name, part.c_str())) return true;
        pos = e + 1;
    }
    return false;
}

static int cmd_check(bool small, const char* filter) {
    int fails = 0, runs = 0;
    uint64_t seed = 1;
    for (const Variant& v : kVariants) {
        if (small && strncmp(v.name, "fa2", 3) == 0) continue; /* sanitizers: the new family */
        if (!selected(v.name, filter)) continue;
        std::vector<Shape> shapes;
        if (small) {
            shapes = {{1, 200, 333, 2, 1, v.d, v.causal, 8}};
            /* persistent: 288-384 tiles, so every block runs 2-3 of them (sq > sk: causal
             * rows that see no key) */
            if (strstr(v.name, "pers")) shapes.push_back({8, 400, 333, 12, 4, v.d, v.causal, 8});
        } else {
            shapes = {
                {1, 1, 1, 1, 1, v.d, v.causal, 0},
                {1, 17, 17, 2, 2, v.d, v.causal, 0},
                {2, 1000, 1000, 4, 2, v.d, v.causal, 0},
                {2, 300, 700, 4, 4, v.d, v.causal, 8},
                {2, 700, 300, 4, 1, v.d, v.causal, 0}, /* causal: rows 0..399 see no key */
                {1, 128, 128, 1, 1, v.d, v.causal, 0},
                {1, 2048, 2048, 2, 2, v.d, v.causal, 64},
                {1, 129, 4096, 3, 1, v.d, v.causal, 0},
                /* more tiles than SMs: a persistent block runs several */
                {8, 1000, 1000, 8, 2, v.d, v.causal, 0},
                {6, 700, 300, 8, 4, v.d, v.causal, 8},
                {3, 333, 2100, 16, 16, v.d, v.causal, 0},
            };
        }
        for (const Shape& s : shapes) {
            ++runs;
            if (!run_check(v, s, 1, seed++, true)) ++fails;
        }
    }
    printf("check: %d of %d runs passed\n", runs - fails, runs);
    return fails == 0 ? 0 : 1;
}

static int cmd_bench(const char* filter) {
    cudaEvent_t e0, e1;
    CK(cudaEventCreate(&e0));
    CK(cudaEventCreate(&e1));
    int fails = 0;
    printf("| variant | d | mask | batch | seqlen | heads | ms (median) | TFLOP/s | max_abs (sampled rows) | rel_l2 |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|\n");
    for (const Variant& v : kVariants) {
        if (!selected(v.name, filter)) continue;
        for (int sl : {512, 1024, 2048, 4096, 8192, 16384}) {
            Shape s{16384 / sl, sl, sl, 2048 / v.d, 2048 / v.d, v.d, v.causal, 0};
            Buffers B = make(s, v.is_f16, 7);
            CK(cudaMemset(B.o, 0xFF, B.nq * 2));
            std::vector<float> ts;
            for (int it = 0; it < 23; ++it) {
                CK(cudaEventRecord(e0));
                const int rc = v.launch(&B.a, nullptr);
                CK(cudaEventRecord(e1));
                if (rc != 0) {
                    printf("launch error %d\n", rc);
                    exit(2);
                }
                CK(cudaEventSynchronize(e1));
                float ms;
                CK(cudaEventElapsedTime(&ms, e0, e1));
                if (it >= 3) ts.push_back(ms);
            }
            std::sort(ts.begin(), ts.end());
            const double ms = ts[ts.size() / 2];
            const double flops = 4.0 * s.b * s.hq * double(sl) * sl * s.d * (s.causal ? 0.5 : 1.0);
            CheckResult r = check(s, v.is_f16, B, 61);
            const bool ok = r.nan == 0 && r.rel_l2 < (v.is_f16 ? 2e-3 : 1e-2);
            if (!ok) ++fails;
            printf("| %s | %d | %s | %d | %d | %d | %.4f | %.1f | %.2e | %.2e%s |\n", v.name, v.d,
                   v.causal ? "causal" : "full", s.b, sl, s.hq, ms, flops / ms * 1e-9, r.max_abs,
                   r.rel_l2, ok ? "" : " FAIL");
            fflush(stdout);
            release(B);
        }
    }
    return fails == 0 ? 0 : 1;
}

int main(int argc, char** argv) {
    const std::string cmd = argc > 1 ? argv[1] : "check";
    cudaDeviceProp prop;
    CK(cudaGetDeviceProperties(&prop, 0));
    printf("device: %s, %d SMs, smem/block optin %zu\n", prop.name, prop.multiProcessorCount,
           prop.sharedMemPerBlockOptin);
    if (cmd == "check") return cmd_check(false, argc > 2 ? argv[2] : nullptr);
    if (cmd == "small") return cmd_check(true, argc > 2 ? argv[2] : nullptr);
    if (cmd == "bench") return cmd_bench(argc > 2 ? argv[2] : nullptr);
    fprintf(stderr, "usage: fa3_driver check|small|bench [filter]\n");
    return 2;
}
