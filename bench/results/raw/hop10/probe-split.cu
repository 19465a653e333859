/* Record of hop10's device calls: kept here, not in bench/hopper/, because it needs the kSplitTail
 * option of fa3_fwd.cuh, which was not kept; it builds from bench/hopper/ with split-tail.patch
 * (this folder) applied to the headers. */
/* hop10: how many clusters of 2 blocks of d64 full's short schedule (kSplitTail) an H100 holds
 * at once (fa3_fwd_launch splits the last round only when 2 x that >= the grid), and whether
 * the launch with that shape goes through. Built against the entry's kernel.cu:
 *   nvcc -std=c++17 -O3 -gencode=arch=compute_90a,code=sm_90a -I kernels-cache/include -I kernels-cache/fwd-h100-bf16-d64-full \
 *     bench/hopper/probe-split.cu -o probe-split */
#include <cstdio>

#include "kernel.cu"

int main() {
    using Cfg = qimeng::Fa3Config<ShortSpec>;
    auto kern = qimeng::fa3_fwd_kernel<ShortSpec>;
    cudaError_t e = cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                         Cfg::kSmemBytes);
    int sms = 0;
    cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
    cudaLaunchAttribute attr[1];
    attr[0].id = cudaLaunchAttributeClusterDimension;
    attr[0].val.clusterDim.x = 2;
    attr[0].val.clusterDim.y = 1;
    attr[0].val.clusterDim.z = 1;
    cudaLaunchConfig_t cfg = {};
    cfg.gridDim = dim3(sms, 1, 1);
    cfg.blockDim = dim3(Cfg::kThreads, 1, 1);
    cfg.dynamicSmemBytes = Cfg::kSmemBytes;
    cfg.attrs = attr;
    cfg.numAttrs = 1;
    int clusters = -1;
    cudaError_t e2 = cudaOccupancyMaxActiveClusters(&clusters, kern, &cfg);
    std::printf("SMs %d, shared memory %d B, setattr %d, max active clusters of 2: %d (err %d): "
                "the split launch %s\n",
                sms, Cfg::kSmemBytes, int(e), clusters, int(e2),
                2 * clusters >= sms ? "is taken" : "falls back to the plain one");
    return 0;
}
