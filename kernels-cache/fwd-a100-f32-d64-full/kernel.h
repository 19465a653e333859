/* fwd-a100-f32-d64-full: exact f32 attention forward (CUDA-core FMA) for A100 (sm_80), head_dim 64, full. */
#ifndef QIMENG_FWD_A100_F32_D64_FULL_H
#define QIMENG_FWD_A100_F32_D64_FULL_H

#include "qimeng/abi.h"

/** Enqueues unmasked f32 attention, head_dim 64 on `stream` (see abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int qimeng_fwd_a100_f32_d64_full(const QimengAttnArgs* args, void* stream);

#endif
