// Session 11: throughput (per SM per clock) of candidate instructions for softcap's tier test
// on sm_90a, 8 independent chains per thread, 512 threads per SM: the current FMNMX |x|, FSETP
// ORed into a predicate, PRMT (two floats' high halves: bf16x2 by truncation), HMNMX2 on bf16x2
// with |x|, the DPX 3-input max (VIMNMX3), the funnel shift, and IMNMX. asm volatile("") on the
// inputs each iteration keeps the compiler from hoisting. cuobjdump -sass shows the SASS.
#include <cstdio>
#include <cstdint>
#include <cuda_runtime.h>
#include <cuda_bf16.h>
constexpr int kC = 8, kIters = 4096;
template <int kMode>
__global__ void bench(float* out, long long* cyc, float seed) {
    float x[kC]; uint32_t u[kC], acc[kC]; bool p[kC]; __nv_bfloat162 h[kC];
#pragma unroll
    for (int i = 0; i < kC; ++i) {
        x[i] = seed * (threadIdx.x + i); u[i] = threadIdx.x * (i + 1); acc[i] = i; p[i] = false;
        h[i] = __floats2bfloat162_rn(x[i], -x[i]);
    }
    const float a = seed * 0.5f;
    const __nv_bfloat162 ha = __floats2bfloat162_rn(a, a);
    __syncthreads();
    long long t0 = clock64();
    for (int it = 0; it < kIters; ++it) {
#pragma unroll
        for (int i = 0; i < kC; ++i) {
            if (kMode == 0) { asm volatile("" : "+f"(x[i])); x[i] = fmaxf(fabsf(x[i]), a); }
            if (kMode == 1) { asm volatile("" : "+f"(x[i])); p[i] |= fabsf(x[i]) > a; }
            if (kMode == 2) { asm volatile("" : "+r"(u[i])); acc[i] = __byte_perm(acc[i], u[i], 0x7632); }
            if (kMode == 3) { asm volatile("" : "+r"(u[i]));
                __nv_bfloat162 v = *reinterpret_cast<__nv_bfloat162*>(&u[i]);
                h[i] = __hmax2(h[i], __habs2(v)); }
            if (kMode == 4) { asm volatile("" : "+r"(u[i])); acc[i] = __vimax3_u32(acc[i], u[i], u[(i + 1) % kC]); }
            if (kMode == 5) { asm volatile("" : "+r"(u[i])); acc[i] = __funnelshift_l(u[i], u[i], 1) + acc[i]; }
            if (kMode == 6) { asm volatile("" : "+r"(u[i])); acc[i] = max(acc[i], u[i]); }
            if (kMode == 7) { asm volatile("" : "+r"(u[i]));
                __nv_bfloat162 v = *reinterpret_cast<__nv_bfloat162*>(&u[i]);
                p[i] |= __hbgt2(__habs2(v), ha); }
        }
    }
    long long t1 = clock64();
    float s = 0;
    for (int i = 0; i < kC; ++i) s += x[i] + acc[i] + p[i] + __low2float(h[i]);
    out[blockIdx.x * blockDim.x + threadIdx.x] = s;
    if (threadIdx.x == 0) cyc[blockIdx.x] = t1 - t0;
}
template <int kMode> void run(const char* n, int threads) {
    int sms; cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
    float* o; long long* c; cudaMalloc(&o, sms * threads * 4); cudaMalloc(&c, sms * 8);
    bench<kMode><<<sms, threads>>>(o, c, 1.f); bench<kMode><<<sms, threads>>>(o, c, 1.f);
    cudaDeviceSynchronize(); long long hc[1024]; cudaMemcpy(hc, c, sms * 8, cudaMemcpyDeviceToHost);
    double m = 0; for (int i = 0; i < sms; ++i) m += hc[i]; m /= sms;
    double ops = double(threads) * kIters * kC;
    printf("%-30s threads %4d  per-element ops/clk/SM %7.2f  cycles per element per warp %5.2f\n", n,
           threads, ops / m, m / (double(threads / 128) * kIters * kC));
    cudaFree(o); cudaFree(c);
}
int main() {
    for (int t : {512}) {
        run<0>("FMNMX |x|", t); run<1>("FSETP |x| ORed", t); run<2>("PRMT", t);
        run<3>("HMNMX2.BF16 |x| (2 elements)", t); run<4>("VIMNMX3 (DPX)", t);
        run<5>("SHF + IADD", t); run<6>("IMNMX", t); run<7>("HSETP2.BF16 |x| ORed (2 el.)", t);
    }
    printf("err %s\n", cudaGetErrorString(cudaGetLastError()));
}
