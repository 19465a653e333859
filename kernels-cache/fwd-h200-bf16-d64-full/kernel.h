/* fwd-h200-bf16-d64-full: Hopper warp-specialized attention forward for H200 (sm_90a), bf16, head_dim 64, full. */
#ifndef QIMENG_FWD_H200_BF16_D64_FULL_H
#define QIMENG_FWD_H200_BF16_D64_FULL_H

#include "qimeng/abi.h"

/** Enqueues unmasked bf16 attention, head_dim 64 on `stream` (see abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int qimeng_fwd_h200_bf16_d64_full(const QimengAttnArgs* args, void* stream);

#endif
