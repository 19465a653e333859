// Pipe throughput on sm_90a: MUFU.EX2, F2FP (cvt.rn.bf16x2.f32), and integer packing, alone
// and mixed, to learn whether P's conversion shares the exp2 pipe. Results per SM per clock.
#include <cstdio>
#include <cstdint>
#include <cuda_runtime.h>

constexpr int kChains = 8;
constexpr int kIters = 4096;

__device__ __forceinline__ float ex2(float x) {
    float y; asm volatile("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x)); return y;
}
__device__ __forceinline__ uint32_t cvt2(float a, float b) {
    uint32_t h; asm volatile("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(h) : "f"(a), "f"(b)); return h;
}
/* round-half-away on the bits (P > 0, finite), then the two high halves in one PRMT */
__device__ __forceinline__ uint32_t ipack2(float a, float b) {
    uint32_t ua = __float_as_uint(a) + 0x8000u, ub = __float_as_uint(b) + 0x8000u, h;
    asm volatile("prmt.b32 %0, %1, %2, 0x7632;" : "=r"(h) : "r"(ub), "r"(ua)); return h;
}

template <int kMode>
__global__ void bench(float* out, long long* cycles, float seed) {
    float x[kChains];
    uint32_t acc = 0;
#pragma unroll
    for (int i = 0; i < kChains; ++i) x[i] = seed * (threadIdx.x + i) * 1e-6f - 0.5f;
    __syncthreads();
    long long t0 = clock64();
    for (int it = 0; it < kIters; ++it) {
#pragma unroll
        for (int i = 0; i < kChains; i += 2) {
            if (kMode == 0) { x[i] = ex2(x[i]) - 1.f; x[i + 1] = ex2(x[i + 1]) - 1.f; }
            if (kMode == 1) {  // cvt only: 1 cvt per 2 values
                uint32_t h = cvt2(x[i], x[i + 1]);
                x[i] = __uint_as_float(h << 16); x[i + 1] = __uint_as_float(h & 0xffff0000u);
            }
            if (kMode == 2) {  // 2 ex2 + 1 cvt
                x[i] = ex2(x[i]); x[i + 1] = ex2(x[i + 1]);
                uint32_t h = cvt2(x[i], x[i + 1]);
                x[i] = __uint_as_float(h << 16) - 1.f; x[i + 1] = __uint_as_float(h & 0xffff0000u) - 1.f;
            }
            if (kMode == 3) {  // 2 ex2 + 1 integer pack
                x[i] = ex2(x[i]); x[i + 1] = ex2(x[i + 1]);
                uint32_t h = ipack2(x[i], x[i + 1]);
                x[i] = __uint_as_float(h << 16) - 1.f; x[i + 1] = __uint_as_float(h & 0xffff0000u) - 1.f;
            }
            if (kMode == 4) {  // the same ALU work as mode 2/3 without ex2 or cvt
                uint32_t h = __float_as_uint(x[i]) ^ __float_as_uint(x[i + 1]);
                x[i] = __uint_as_float(h << 16) - 1.f; x[i + 1] = __uint_as_float(h & 0xffff0000u) - 1.f;
            }
        }
    }
    long long t1 = clock64();
#pragma unroll
    for (int i = 0; i < kChains; ++i) acc ^= __float_as_uint(x[i]);
    out[blockIdx.x * blockDim.x + threadIdx.x] = __uint_as_float(acc);
    if (threadIdx.x == 0) cycles[blockIdx.x] = t1 - t0;
}

template <int kMode>
void run(const char* name, int ex2_per_pair, int cvt_per_pair, int threads) {
    int sms = 0; cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
    float* out; long long* cyc;
    cudaMalloc(&out, sms * threads * 4); cudaMalloc(&cyc, sms * 8);
    bench<kMode><<<sms, threads>>>(out, cyc, 1.f);
    bench<kMode><<<sms, threads>>>(out, cyc, 1.f);
    cudaDeviceSynchronize();
    long long* h = new long long[sms];
    cudaMemcpy(h, cyc, sms * 8, cudaMemcpyDeviceToHost);
    double mean = 0; for (int i = 0; i < sms; ++i) mean += h[i]; mean /= sms;
    double pairs = double(threads) * kIters * (kChains / 2);
    printf("%-28s threads %4d  cycles %9.0f  pairs/clk/SM %6.2f  ex2/clk %6.2f  cvt/clk %6.2f\n",
           name, threads, mean, pairs / mean, ex2_per_pair * pairs / mean, cvt_per_pair * pairs / mean);
    cudaFree(out); cudaFree(cyc); delete[] h;
}

int main() {
    for (int t : {128, 256, 512}) {
        run<0>("ex2 only", 2, 0, t);
        run<1>("cvt.bf16x2 only", 0, 1, t);
        run<2>("2 ex2 + 1 cvt", 2, 1, t);
        run<3>("2 ex2 + 1 int pack", 2, 0, t);
        run<4>("alu only (pack stand-in)", 0, 0, t);
    }
    printf("err %s\n", cudaGetErrorString(cudaGetLastError()));
}
