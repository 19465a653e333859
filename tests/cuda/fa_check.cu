/* Standalone correctness check (and benchmark) of every forward entry of kernels-cache.
 *
 * Built by scripts/cuda-check.sh, which compiles each entry for its own arch + PTX and writes
 * the entry table (entries.inc); run on a GPU machine:
 *
 *     fa_check [--small] [--only SUBSTR] [--bench] [--sweep] [--seed N]
 *
 * --sweep adds the tile variants of sweep.cu (h100, bf16) to the check and to --bench.
 *
 * For each (entry, shape): fresh random inputs (normal, never zeros), the output buffer
 * poisoned with 0xFF bytes (NaN in bf16 and f16) before the launch, some shapes with
 * non-contiguous strides (a slice of packed qkv, head-major layout, padded output rows), and
 * stride 0 for every dimension of size 1 (allowed by abi.h).
 * Compared with a CPU float64 reference and a low-precision reference (S, P and O rounded to
 * the dtype, as a plain bf16/f16 implementation would). PASS iff
 *     no NaN/Inf, every output element written and nothing else in the buffer written,
 *     a second launch gives bit-identical output,
 *     max|out - ref| <= 2 * max|lowp - ref| + 1e-6,
 *     ||out - ref||_2 / ||ref||_2 < 1e-2 (bf16) / 2e-3 (f16).
 * Prints one line per (entry, shape) and exits 1 on any FAIL.
 */
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "entry.h"
#include "qimeng/abi.h"

extern const CheckEntry kSweep[];
extern const int kSweepCount;

#define QIMENG_ENTRY(key, sym, gpu, dtype, hd, causal) \
    QIMENG_EXTERN_C int sym(const QimengAttnArgs* args, void* stream);
#include "entries.inc"
#undef QIMENG_ENTRY

namespace {

using Entry = CheckEntry;

const Entry kEntries[] = {
#define QIMENG_ENTRY(key, sym, gpu, dtype, hd, causal) {key, sym, gpu, dtype, hd, causal != 0},
#include "entries.inc"
#undef QIMENG_ENTRY
};

#define CUDA_OK(expr)                                                                      \
    do {                                                                                   \
        cudaError_t err_ = (expr);                                                         \
        if (err_ != cudaSuccess) {                                                         \
            std::fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #expr,             \
                         cudaGetErrorString(err_));                                        \
            std::exit(2);                                                                  \
        }                                                                                  \
    } while (0)

enum class Layout {
    kBshd,       /* contiguous [b, s, h, d] */
    kPackedQkv,  /* q, k, v slices of one [b, s, 3, h, d]; o rows padded by 8 elements */
    kBhsd,       /* head-major [b, h, s, d] for q, k, v and o */
};

struct Shape {
    int b, sq, sk, hq, hkv;
    Layout layout;
};

const char* layout_name(Layout l) {
    switch (l) {
        case Layout::kBshd: return "bshd";
        case Layout::kPackedQkv: return "qkvpacked";
        case Layout::kBhsd: return "bhsd";
    }
    return "?";
}

/* ---------------------------------------------------------------- 16-bit helpers (host) */

bool is_bf16(const Entry& e) { return std::strcmp(e.dtype, "bf16") == 0; }

uint16_t to_bits(bool bf16, float x) {
    uint16_t r;
    if (bf16) {
        __nv_bfloat16 h = __float2bfloat16_rn(x);
        std::memcpy(&r, &h, 2);
    } else {
        __half h = __float2half_rn(x);
        std::memcpy(&r, &h, 2);
    }
    return r;
}

float from_bits(bool bf16, uint16_t b) {
    if (bf16) {
        __nv_bfloat16 h;
        std::memcpy(&h, &b, 2);
        return __bfloat162float(h);
    }
    __half h;
    std::memcpy(&h, &b, 2);
    return __half2float(h);
}

double round_to(bool bf16, double x) { return from_bits(bf16, to_bits(bf16, float(x))); }

/* ---------------------------------------------------------------- tensors */

/* Element offsets of one [b, s, h, d] view into a buffer. */
struct View {
    int64_t base, batch, row, head;
    int64_t at(int b, int s, int h) const { return base + b * batch + s * row + h * head; }
};

struct Problem {
    Shape sh;
    int d;
    View q, k, v, o;
    int64_t in_elems;  /* one buffer for q, k, v (packed) or three regions of it */
    int64_t out_elems;
};

Problem make_problem(const Shape& sh, int d) {
    Problem p{};
    p.sh = sh;
    p.d = d;
    const int64_t b = sh.b, sq = sh.sq, sk = sh.sk, hq = sh.hq, hkv = sh.hkv;
    switch (sh.layout) {
        case Layout::kBshd: {
            p.q = {0, sq * hq * d, hq * d, d};
            const int64_t kbase = b * sq * hq * d;
            p.k = {kbase, sk * hkv * d, hkv * d, d};
            p.v = {kbase + b * sk * hkv * d, sk * hkv * d, hkv * d, d};
            p.in_elems = kbase + 2 * b * sk * hkv * d;
            p.o = {0, sq * hq * d, hq * d, d};
            p.out_elems = b * sq * hq * d;
            break;
        }
        case Layout::kPackedQkv: {
            if (sq != sk || hq != hkv) std::abort();
            const int64_t row = 3 * hq * d;
            p.q = {0, sq * row, row, d};
            p.k = {hq * d, sq * row, row, d};
            p.v = {2 * hq * d, sq * row, row, d};
            p.in_elems = b * sq * row;
            const int64_t orow = hq * d + 8;
            p.o = {0, sq * orow, orow, d};
            p.out_elems = b * sq * orow;
            break;
        }
        case Layout::kBhsd: {
            p.q = {0, hq * sq * d, d, sq * d};
            const int64_t kbase = b * hq * sq * d;
            p.k = {kbase, hkv * sk * d, d, sk * d};
            p.v = {kbase + b * hkv * sk * d, hkv * sk * d, d, sk * d};
            p.in_elems = kbase + 2 * b * hkv * sk * d;
            p.o = {0, hq * sq * d, d, sq * d};
            p.out_elems = b * hq * sq * d;
            break;
        }
    }
    return p;
}

QimengAttnArgs make_args(const Problem& p, const void* in, void* out, float scale) {
    QimengAttnArgs a{};
    const uint16_t* base = static_cast<const uint16_t*>(in);
    a.q = base + p.q.base;
    a.k = base + p.k.base;
    a.v = base + p.v.base;
    a.o = static_cast<uint16_t*>(out) + p.o.base;
    a.q_batch_stride = p.q.batch; a.q_row_stride = p.q.row; a.q_head_stride = p.q.head;
    a.k_batch_stride = p.k.batch; a.k_row_stride = p.k.row; a.k_head_stride = p.k.head;
    a.v_batch_stride = p.v.batch; a.v_row_stride = p.v.row; a.v_head_stride = p.v.head;
    a.o_batch_stride = p.o.batch; a.o_row_stride = p.o.row; a.o_head_stride = p.o.head;
    /* abi.h: the stride of a dimension of size 1 may be 0; pass it so wherever it applies. */
    const Shape& s = p.sh;
    if (s.b == 1) a.q_batch_stride = a.k_batch_stride = a.v_batch_stride = a.o_batch_stride = 0;
    if (s.sq == 1) a.q_row_stride = a.o_row_stride = 0;
    if (s.sk == 1) a.k_row_stride = a.v_row_stride = 0;
    if (s.hq == 1) a.q_head_stride = a.o_head_stride = 0;
    if (s.hkv == 1) a.k_head_stride = a.v_head_stride = 0;
    a.batch = p.sh.b;
    a.seqlen_q = p.sh.sq;
    a.seqlen_k = p.sh.sk;
    a.heads_q = p.sh.hq;
    a.heads_kv = p.sh.hkv;
    a.head_dim = p.d;
    a.softmax_scale = scale;
    return a;
}

/* ---------------------------------------------------------------- CPU reference */

template <class F>
void parallel_for(int64_t n, F f) {
    const int threads = std::max(1u, std::thread::hardware_concurrency());
    std::atomic<int64_t> next{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&] {
            for (;;) {
                const int64_t i = next.fetch_add(1);
                if (i >= n) return;
                f(i);
            }
        });
    }
    for (auto& th : pool) th.join();
}

/* ref (f64) and lowp (S, P, O rounded to the dtype) outputs, [b, h, sq, d] contiguous. */
void reference(const Problem& p, const std::vector<uint16_t>& in, bool bf16, bool causal,
               float scale, std::vector<double>& ref, std::vector<double>& lowp) {
    const Shape& s = p.sh;
    const int d = p.d;
    const int group = s.hq / s.hkv;
    /* decode inputs once: q [b][hq][sq][d], k, v [b][hkv][sk][d] */
    std::vector<double> q(int64_t(s.b) * s.hq * s.sq * d), k(int64_t(s.b) * s.hkv * s.sk * d),
        v(k.size());
    for (int b = 0; b < s.b; ++b) {
        for (int h = 0; h < s.hq; ++h)
            for (int i = 0; i < s.sq; ++i)
                for (int c = 0; c < d; ++c)
                    q[((int64_t(b) * s.hq + h) * s.sq + i) * d + c] = from_bits(bf16, in[p.q.at(b, i, h) + c]);
        for (int h = 0; h < s.hkv; ++h)
            for (int j = 0; j < s.sk; ++j)
                for (int c = 0; c < d; ++c) {
                    const int64_t dst = ((int64_t(b) * s.hkv + h) * s.sk + j) * d + c;
                    k[dst] = from_bits(bf16, in[p.k.at(b, j, h) + c]);
                    v[dst] = from_bits(bf16, in[p.v.at(b, j, h) + c]);
                }
    }
    ref.assign(q.size(), 0.0);
    lowp.assign(q.size(), 0.0);
    const int64_t rows = int64_t(s.b) * s.hq * s.sq;
    parallel_for(rows, [&](int64_t r) {
        const int i = int(r % s.sq);
        const int h = int((r / s.sq) % s.hq);
        const int b = int(r / (int64_t(s.sq) * s.hq));
        const int hk = h / group;
        const int nvis = causal ? std::min(s.sk, std::max(0, i + s.sk - s.sq + 1)) : s.sk;
        double* out_ref = &ref[r * d];
        double* out_lp = &lowp[r * d];
        if (nvis == 0) return; /* zeros */
        const double* qi = &q[r * d];
        const double* kb = &k[(int64_t(b) * s.hkv + hk) * s.sk * d];
        const double* vb = &v[(int64_t(b) * s.hkv + hk) * s.sk * d];
        std::vector<double> sc(nvis), sl(nvis);
        double mx = -INFINITY, mxl = -INFINITY;
        for (int j = 0; j < nvis; ++j) {
            double acc = 0;
            for (int c = 0; c < d; ++c) acc += qi[c] * kb[int64_t(j) * d + c];
            sc[j] = acc * scale;
            sl[j] = round_to(bf16, acc * scale);
            mx = std::max(mx, sc[j]);
            mxl = std::max(mxl, sl[j]);
        }
        double sum = 0, suml = 0;
        for (int j = 0; j < nvis; ++j) {
            sc[j] = std::exp(sc[j] - mx);
            sl[j] = std::exp(sl[j] - mxl);
            sum += sc[j];
            suml += sl[j];
        }
        std::vector<double> o(d, 0.0), ol(d, 0.0);
        for (int j = 0; j < nvis; ++j) {
            const double pj = sc[j] / sum;
            const double plj = round_to(bf16, sl[j] / suml);
            const double* vj = &vb[int64_t(j) * d];
            for (int c = 0; c < d; ++c) {
                o[c] += pj * vj[c];
                ol[c] += plj * vj[c];
            }
        }
        for (int c = 0; c < d; ++c) {
            out_ref[c] = o[c];
            out_lp[c] = round_to(bf16, ol[c]);
        }
    });
}

/* ---------------------------------------------------------------- one check */

struct DeviceBuffers {
    void* in = nullptr;
    void* out = nullptr;
    size_t in_bytes = 0, out_bytes = 0;
    void ensure(size_t ib, size_t ob) {
        if (ib > in_bytes) {
            if (in) CUDA_OK(cudaFree(in));
            CUDA_OK(cudaMalloc(&in, ib));
            in_bytes = ib;
        }
        if (ob > out_bytes) {
            if (out) CUDA_OK(cudaFree(out));
            CUDA_OK(cudaMalloc(&out, ob));
            out_bytes = ob;
        }
    }
};

void fill_random(std::vector<uint16_t>& buf, bool bf16, uint64_t seed) {
    const int64_t n = int64_t(buf.size());
    const int64_t chunk = 1 << 16;
    parallel_for((n + chunk - 1) / chunk, [&](int64_t c) {
        std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + uint64_t(c));
        std::normal_distribution<float> nd(0.f, 1.f);
        for (int64_t i = c * chunk; i < std::min(n, (c + 1) * chunk); ++i) {
            uint16_t bits;
            do bits = to_bits(bf16, nd(rng));
            while (from_bits(bf16, bits) == 0.f);
            buf[i] = bits;
        }
    });
}

bool check_one(const Entry& e, const Shape& sh, uint64_t seed, DeviceBuffers& dev) {
    const bool bf16 = is_bf16(e);
    const Problem p = make_problem(sh, e.head_dim);
    const float scale = 1.0f / std::sqrt(float(e.head_dim));
    std::vector<uint16_t> in(p.in_elems);
    fill_random(in, bf16, seed);
    dev.ensure(in.size() * 2, size_t(p.out_elems) * 2);
    CUDA_OK(cudaMemcpy(dev.in, in.data(), in.size() * 2, cudaMemcpyHostToDevice));
    const QimengAttnArgs args = make_args(p, dev.in, dev.out, scale);

    std::vector<uint16_t> out(p.out_elems), out2(p.out_elems);
    for (int rep = 0; rep < 2; ++rep) {
        CUDA_OK(cudaMemset(dev.out, 0xFF, size_t(p.out_elems) * 2));
        const int rc = e.fn(&args, nullptr);
        if (rc != 0) {
            std::printf("%-40s %-34s launch error %d (%s) FAIL\n", e.key, "", rc,
                        cudaGetErrorString(cudaError_t(rc)));
            return false;
        }
        CUDA_OK(cudaDeviceSynchronize());
        CUDA_OK(cudaMemcpy(rep == 0 ? out.data() : out2.data(), dev.out, out.size() * 2,
                           cudaMemcpyDeviceToHost));
    }

    std::vector<double> ref, lowp;
    reference(p, in, bf16, e.causal, scale, ref, lowp);

    const int d = e.head_dim;
    std::vector<char> logical(p.out_elems, 0);
    double max_err = 0, max_lp = 0, sq_err = 0, sq_ref = 0;
    int64_t nonfinite = 0;
    for (int b = 0; b < sh.b; ++b)
        for (int h = 0; h < sh.hq; ++h)
            for (int i = 0; i < sh.sq; ++i) {
                const int64_t r = (int64_t(b) * sh.hq + h) * sh.sq + i;
                const int64_t off = p.o.at(b, i, h);
                for (int c = 0; c < d; ++c) {
                    logical[off + c] = 1;
                    const double x = from_bits(bf16, out[off + c]);
                    const double y = ref[r * d + c];
                    if (!std::isfinite(x)) {
                        ++nonfinite;
                        continue;
                    }
                    max_err = std::max(max_err, std::fabs(x - y));
                    max_lp = std::max(max_lp, std::fabs(lowp[r * d + c] - y));
                    sq_err += (x - y) * (x - y);
                    sq_ref += y * y;
                }
            }
    int64_t stray = 0; /* writes outside the logical output (padding must stay poisoned) */
    for (int64_t i = 0; i < p.out_elems; ++i)
        if (!logical[i] && out[i] != 0xFFFF) ++stray;
    const bool deterministic = std::memcmp(out.data(), out2.data(), out.size() * 2) == 0;
    const double rel_l2 = sq_ref > 0 ? std::sqrt(sq_err / sq_ref) : std::sqrt(sq_err);
    const double rel_tol = bf16 ? 1e-2 : 2e-3;
    const bool pass = nonfinite == 0 && stray == 0 && deterministic &&
                      max_err <= 2 * max_lp + 1e-6 && rel_l2 < rel_tol;
    char shape[96];
    std::snprintf(shape, sizeof shape, "(%d,%d,%d,%d,%d) %s", sh.b, sh.sq, sh.sk, sh.hq, sh.hkv,
                  layout_name(sh.layout));
    std::printf("%-40s %-34s max_err %.3e lowp_err %.3e rel_l2 %.3e", e.key, shape, max_err,
                max_lp, rel_l2);
    if (nonfinite) std::printf(" nonfinite %lld", (long long)nonfinite);
    if (stray) std::printf(" stray_writes %lld", (long long)stray);
    if (!deterministic) std::printf(" NONDETERMINISTIC");
    std::printf(" %s\n", pass ? "PASS" : "FAIL");
    std::fflush(stdout);
    return pass;
}

/* A mismatched head_dim must be refused with cudaErrorInvalidValue, launching nothing. */
bool check_refusal(const Entry& e) {
    QimengAttnArgs a{};
    a.batch = a.seqlen_q = a.seqlen_k = a.heads_q = a.heads_kv = 1;
    a.head_dim = e.head_dim == 64 ? 128 : 64;
    const int rc = e.fn(&a, nullptr);
    const bool pass = rc == int(cudaErrorInvalidValue);
    std::printf("%-40s %-34s rc %d %s\n", e.key, "head_dim mismatch", rc, pass ? "PASS" : "FAIL");
    return pass;
}

/* ---------------------------------------------------------------- benchmark */

struct BenchInput {
    bool bf16;
    int d;
    Problem p;
    DeviceBuffers dev;
};

/* Times e at b=4, s=4096, h=16 (median of 20 launches, CUDA events, after 3 warm-ups). Inputs
 * are drawn once per (dtype, head_dim) and shared by the entries that take them. */
void bench(const Entry& e, std::vector<BenchInput>& inputs) {
    const Shape sh{4, 4096, 4096, 16, 16, Layout::kBshd};
    const bool bf16 = is_bf16(e);
    BenchInput* bi = nullptr;
    for (auto& x : inputs)
        if (x.bf16 == bf16 && x.d == e.head_dim) bi = &x;
    if (!bi) {
        inputs.push_back(BenchInput{bf16, e.head_dim, make_problem(sh, e.head_dim), {}});
        bi = &inputs.back();
        std::vector<uint16_t> in(bi->p.in_elems);
        fill_random(in, bf16, 1234 + e.head_dim);
        bi->dev.ensure(in.size() * 2, size_t(bi->p.out_elems) * 2);
        CUDA_OK(cudaMemcpy(bi->dev.in, in.data(), in.size() * 2, cudaMemcpyHostToDevice));
    }
    const QimengAttnArgs args =
        make_args(bi->p, bi->dev.in, bi->dev.out, 1.0f / std::sqrt(float(e.head_dim)));
    for (int i = 0; i < 3; ++i) CUDA_OK(cudaError_t(e.fn(&args, nullptr)));
    CUDA_OK(cudaDeviceSynchronize());
    cudaEvent_t t0, t1;
    CUDA_OK(cudaEventCreate(&t0));
    CUDA_OK(cudaEventCreate(&t1));
    std::vector<float> ms;
    for (int i = 0; i < 20; ++i) {
        CUDA_OK(cudaEventRecord(t0));
        CUDA_OK(cudaError_t(e.fn(&args, nullptr)));
        CUDA_OK(cudaEventRecord(t1));
        CUDA_OK(cudaEventSynchronize(t1));
        float m = 0;
        CUDA_OK(cudaEventElapsedTime(&m, t0, t1));
        ms.push_back(m);
    }
    CUDA_OK(cudaEventDestroy(t0));
    CUDA_OK(cudaEventDestroy(t1));
    std::sort(ms.begin(), ms.end());
    const double med = ms[ms.size() / 2];
    double flops = 4.0 * sh.b * sh.hq * double(sh.sq) * sh.sk * e.head_dim;
    if (e.causal) flops /= 2;
    std::printf("bench %-40s b=%d s=%d h=%d d=%-3d median %.3f ms (min %.3f)  %.1f TFLOP/s\n",
                e.key, sh.b, sh.sq, sh.hq, e.head_dim, med, ms.front(),
                flops / (med * 1e-3) / 1e12);
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    bool small = false, do_bench = false, sweep = false;
    std::string only;
    uint64_t seed = 20261125;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--small") small = true;
        else if (a == "--bench") do_bench = true;
        else if (a == "--sweep") sweep = true;
        else if (a == "--only" && i + 1 < argc) only = argv[++i];
        else if (a == "--seed" && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 10);
        else {
            std::fprintf(stderr, "usage: %s [--small] [--only SUBSTR] [--bench] [--sweep] [--seed N]\n", argv[0]);
            return 2;
        }
    }
    cudaDeviceProp prop{};
    CUDA_OK(cudaGetDeviceProperties(&prop, 0));
    std::printf("device: %s (sm_%d%d), %d SMs; seed %llu; %zu entries\n", prop.name, prop.major,
                prop.minor, prop.multiProcessorCount, (unsigned long long)seed,
                sizeof(kEntries) / sizeof(kEntries[0]));

    std::vector<Entry> entries(std::begin(kEntries), std::end(kEntries));
    if (sweep) entries.insert(entries.end(), kSweep, kSweep + kSweepCount);
    auto selected = [&](const Entry& e) {
        return only.empty() || std::strstr(e.key, only.c_str()) != nullptr;
    };

    if (do_bench) {
        std::vector<BenchInput> inputs;
        inputs.reserve(4);
        for (const Entry& e : entries)
            if (std::strcmp(e.gpu, "h100") == 0 && selected(e)) bench(e, inputs);
        for (auto& x : inputs) {
            CUDA_OK(cudaFree(x.dev.in));
            CUDA_OK(cudaFree(x.dev.out));
        }
        return 0;
    }

    const std::vector<Shape> full = {
        {1, 1, 1, 1, 1, Layout::kBshd},
        {2, 17, 17, 4, 1, Layout::kBshd},
        {3, 17, 1000, 8, 1, Layout::kBhsd},
        {1, 1000, 1000, 2, 2, Layout::kPackedQkv},
        {1, 100, 37, 4, 4, Layout::kBhsd}, /* causal sq > sk: rows that see no key -> zeros */
        {1, 4096, 4096, 2, 1, Layout::kBshd},
        {2, 1, 1000, 8, 8, Layout::kBshd},
        {2, 300, 129, 6, 2, Layout::kBshd},
    };
    const std::vector<Shape> smallset = {
        {1, 1, 1, 1, 1, Layout::kBshd},
        {2, 17, 17, 4, 1, Layout::kBshd},
        {1, 100, 37, 4, 4, Layout::kBhsd},
        {1, 150, 150, 2, 2, Layout::kPackedQkv},
        {2, 1, 200, 8, 8, Layout::kBshd},
    };
    const auto& shapes = small ? smallset : full;

    DeviceBuffers dev;
    int fails = 0, total = 0;
    uint64_t n = 0;
    for (const Entry& e : entries) {
        if (!selected(e)) continue;
        ++total;
        if (!check_refusal(e)) ++fails;
        for (const Shape& sh : shapes) {
            ++total;
            if (!check_one(e, sh, seed + 1000 * (++n), dev)) ++fails;
        }
    }
    std::printf("%d checks, %d failed: %s\n", total, fails, fails ? "FAIL" : "PASS");
    return fails ? 1 : 0;
}
