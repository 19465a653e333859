/* The C interface of a variants library (bench/variants.cu, bench/hopper/variants_fa3.cu), what
 * bench/bench.py --variants loads: a driver includes this after defining
 *     const Variant kVariants[] = {...};
 * in its anonymous namespace, and gets the three exports below from that table. */
#ifndef QIMENG_BENCH_VARIANT_EXPORTS_H
#define QIMENG_BENCH_VARIANT_EXPORTS_H

#include <string.h>

#include "qimeng/abi.h"

namespace qimeng_bench {

typedef int (*Launch)(const QimengAttnArgs*, void*);

/* One kernel of the table: its name in the bench's tables, its launcher, and the shape class it
 * runs (bench.py times it on the cells of that head_dim and mask). */
struct Variant {
    const char* name;
    Launch fn;
    int head_dim;
    int causal;
};

}  // namespace qimeng_bench

/* Defines the exports over `table` (an array of qimeng_bench::Variant). */
#define QIMENG_VARIANT_EXPORTS(table)                                                           \
    extern "C" int qimeng_variant_count(void) { return int(sizeof(table) / sizeof(table[0])); } \
    extern "C" int qimeng_variant_info(int i, char* name, int cap, int* head_dim, int* causal) { \
        if (i < 0 || i >= qimeng_variant_count() || cap <= 0) return -1;                        \
        strncpy(name, table[i].name, size_t(cap - 1));                                          \
        name[cap - 1] = 0;                                                                      \
        *head_dim = table[i].head_dim;                                                          \
        *causal = table[i].causal;                                                              \
        return 0;                                                                               \
    }                                                                                           \
    extern "C" int qimeng_variant_launch(int i, const QimengAttnArgs* args, void* stream) {     \
        if (i < 0 || i >= qimeng_variant_count()) return -1;                                    \
        return table[i].fn(args, stream);                                                       \
    }

#endif /* QIMENG_BENCH_VARIANT_EXPORTS_H */
