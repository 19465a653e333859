/* dec-h100-bf16-d128: split-KV decode attention (paged or contiguous cache) for H100 (sm_90a), bf16, head_dim 128. */
#ifndef QIMENG_DEC_H100_BF16_D128_H
#define QIMENG_DEC_H100_BF16_D128_H

#include "qimeng/decode_abi.h"

/** Enqueues bf16 decode attention, head_dim 128 on `stream` (see decode_abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int qimeng_dec_h100_bf16_d128(const QimengDecodeArgs* args, void* stream);

#endif
