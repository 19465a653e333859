/* fwd-t4-f32-d128-full: exact f32 attention forward (CUDA-core FMA) for T4 (sm_75), head_dim 128, full. */
#ifndef QIMENG_FWD_T4_F32_D128_FULL_H
#define QIMENG_FWD_T4_F32_D128_FULL_H

#include "qimeng/abi.h"

/** Enqueues unmasked f32 attention, head_dim 128 on `stream` (see abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int qimeng_fwd_t4_f32_d128_full(const QimengAttnArgs* args, void* stream);

#endif
