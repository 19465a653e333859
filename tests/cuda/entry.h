/* One kernel under test: a cache entry (entries.inc) or a tile variant (sweep.cu). */
#ifndef QIMENG_TESTS_CUDA_ENTRY_H
#define QIMENG_TESTS_CUDA_ENTRY_H

#include "qimeng/abi.h"

typedef int (*QimengLaunchFn)(const QimengAttnArgs*, void*);

struct CheckEntry {
    const char* key;
    QimengLaunchFn fn;
    const char* gpu;
    const char* dtype;
    int head_dim;
    bool causal;
};

#endif
