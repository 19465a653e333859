/* fwd-h100-f32-d128-causal: exact f32 attention forward (CUDA-core FMA) for H100 (sm_90a), head_dim 128, causal. */
#ifndef QIMENG_FWD_H100_F32_D128_CAUSAL_H
#define QIMENG_FWD_H100_F32_D128_CAUSAL_H

#include "qimeng/abi.h"

/** Enqueues causal (bottom-right) f32 attention, head_dim 128 on `stream` (see abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int qimeng_fwd_h100_f32_d128_causal(const QimengAttnArgs* args, void* stream);

#endif
