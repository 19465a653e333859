// Throughput of the softmax's ALU instructions on sm_90a (per SM per clock), 8 independent
// chains per thread, 1 and 4 warps per scheduler: FMNMX, IMNMX, FADD, FFMA, FSETP+FSEL.
#include <cstdio>
#include <cstdint>
#include <cuda_runtime.h>
constexpr int kC = 8, kIters = 4096;
template <int kMode>
__global__ void bench(float* out, long long* cyc, float seed) {
    float x[kC]; int y[kC];
#pragma unroll
    for (int i = 0; i < kC; ++i) { x[i] = seed * (threadIdx.x + i); y[i] = threadIdx.x * i; }
    float a = seed * 0.5f, b = seed * 0.25f; int ia = threadIdx.x, ib = blockIdx.x;
    __syncthreads();
    long long t0 = clock64();
    for (int it = 0; it < kIters; ++it) {
#pragma unroll
        for (int i = 0; i < kC; ++i) {
            if (kMode == 0) asm volatile("max.f32 %0, %0, %1;" : "+f"(x[i]) : "f"(a));
            if (kMode == 1) asm volatile("max.s32 %0, %0, %1;" : "+r"(y[i]) : "r"(ia));
            if (kMode == 2) asm volatile("add.f32 %0, %0, %1;" : "+f"(x[i]) : "f"(a));
            if (kMode == 3) asm volatile("fma.rn.f32 %0, %0, %1, %2;" : "+f"(x[i]) : "f"(a), "f"(b));
            if (kMode == 4) asm volatile("max.f32 %0, %0, %1;" : "+f"(x[0]) : "f"(a));  // one chain
            if (kMode == 5) asm volatile("max.NaN.f32 %0, %0, %1;" : "+f"(x[i]) : "f"(a));
        }
    }
    long long t1 = clock64();
    float acc = 0; for (int i = 0; i < kC; ++i) acc += x[i] + y[i];
    out[blockIdx.x * blockDim.x + threadIdx.x] = acc;
    if (threadIdx.x == 0) cyc[blockIdx.x] = t1 - t0;
}
template <int kMode> void run(const char* n, int threads) {
    int sms; cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
    float* o; long long* c; cudaMalloc(&o, sms * threads * 4); cudaMalloc(&c, sms * 8);
    bench<kMode><<<sms, threads>>>(o, c, 1.f); bench<kMode><<<sms, threads>>>(o, c, 1.f);
    cudaDeviceSynchronize(); long long h[1024]; cudaMemcpy(h, c, sms * 8, cudaMemcpyDeviceToHost);
    double m = 0; for (int i = 0; i < sms; ++i) m += h[i]; m /= sms;
    double ops = double(threads) * kIters * kC;
    printf("%-22s threads %4d  ops/clk/SM %7.2f  cycles per warp-instr per scheduler %5.2f\n", n,
           threads, ops / m, m / (double(threads / 128) * kIters * kC));
    cudaFree(o); cudaFree(c);
}
int main() {
    for (int t : {128, 512}) {
        run<0>("FMNMX", t); run<5>("FMNMX.NAN", t); run<1>("IMNMX", t); run<2>("FADD", t);
        run<3>("FFMA", t); run<4>("FMNMX one chain", t);
    }
    printf("err %s\n", cudaGetErrorString(cudaGetLastError()));
}
