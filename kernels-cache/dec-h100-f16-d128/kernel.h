/* dec-h100-f16-d128: split-KV decode attention (paged or contiguous cache) for H100 (sm_90a), f16, head_dim 128. */
#ifndef QIMENG_DEC_H100_F16_D128_H
#define QIMENG_DEC_H100_F16_D128_H

#include "qimeng/decode_abi.h"

/** Enqueues f16 decode attention, head_dim 128 on `stream` (see decode_abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int qimeng_dec_h100_f16_d128(const QimengDecodeArgs* args, void* stream);

#endif
