/* fwd-t4-f32-d64-causal: exact f32 attention forward (CUDA-core FMA) for T4 (sm_75), head_dim 64, causal. */
#ifndef QIMENG_FWD_T4_F32_D64_CAUSAL_H
#define QIMENG_FWD_T4_F32_D64_CAUSAL_H

#include "qimeng/abi.h"

/** Enqueues causal (bottom-right) f32 attention, head_dim 64 on `stream` (see abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int qimeng_fwd_t4_f32_d64_causal(const QimengAttnArgs* args, void* stream);

#endif
