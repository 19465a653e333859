/* fwd-h100-f16-d256-full: Hopper warp-specialized attention forward for H100 (sm_90a), f16, head_dim 256, full. */
#ifndef QIMENG_FWD_H100_F16_D256_FULL_H
#define QIMENG_FWD_H100_F16_D256_FULL_H

#include "qimeng/abi.h"

/** Enqueues unmasked f16 attention, head_dim 256 on `stream` (see abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int qimeng_fwd_h100_f16_d256_full(const QimengAttnArgs* args, void* stream);

#endif
