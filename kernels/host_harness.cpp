/* host_harness.cpp -- runs the GPU kernels' per-thread body on the CPU.
 *
 * It includes winit_kernels.cu itself and calls winit_kitem<Op>() -- the function each
 * GPU thread runs -- for every work item of a launch, so the tests compare the
 * kernels' code path (index math, block function, partial-block stores) with the CPU
 * core bit for bit on a machine without a GPU. Build it with g++ (-x c++) or with
 * nvcc (-x cu, the host pass of the same translation unit), always with
 * -ffp-contract=off, and -I for winit/_core/include and kernels/.
 *
 *   host_harness list               kernel name, elements per block, element bytes,
 *                                   parameter struct and its bytes
 *   host_harness run NAME ORDER     launch from stdin, values to stdout
 *
 * run reads, little-endian: the parameter struct (its sizeof bytes, as winit/_cuda.py
 * packs it for the GPU: winit._core.Fill.param_bytes), u32 k0, u32 k1, u64 stream, u64 start, u64 nrows, u64 len,
 * u64 nbmax, u64 has_row_start, then nrows u64 row starts if has_row_start; and writes
 * nrows * len elements. ORDER is the order work items run in: "forward", "reverse",
 * or "grid:G" (G threads, each taking items t, t+G, ... as the grid-stride loop does). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vector>

#include "winit_kernels.cu"

static bool read_all(void *p, size_t n) {
    return n == 0 || fread(p, 1, n, stdin) == n;
}

template <class Op>
static int run(const char *order) {
    typedef typename Op::out_t T;
    Op op;
    uint32_t k0, k1;
    uint64_t stream, start, nrows, len, nbmax, has_rows;
    if (!read_all(&op.p, sizeof op.p) || !read_all(&k0, 4) || !read_all(&k1, 4) ||
        !read_all(&stream, 8) || !read_all(&start, 8) || !read_all(&nrows, 8) ||
        !read_all(&len, 8) || !read_all(&nbmax, 8) || !read_all(&has_rows, 8)) {
        fprintf(stderr, "short input\n");
        return 2;
    }
    std::vector<uint64_t> rows(has_rows ? nrows : 0);
    if (has_rows && !read_all(rows.data(), nrows * 8)) {
        fprintf(stderr, "short row starts\n");
        return 2;
    }
    /* poison, so an element no work item writes shows up */
    std::vector<T> out(nrows * len);
    memset(out.data(), 0xA5, out.size() * sizeof(T));
    const uint64_t *rs = has_rows ? rows.data() : NULL;
    const uint64_t nwork = nrows * nbmax;
    if (!strcmp(order, "forward")) {
        for (uint64_t w = 0; w < nwork; w++)
            winit_kitem(op, k0, k1, stream, rs, start, nrows, len, nbmax, w, out.data());
    } else if (!strcmp(order, "reverse")) {
        for (uint64_t w = nwork; w-- > 0;)
            winit_kitem(op, k0, k1, stream, rs, start, nrows, len, nbmax, w, out.data());
    } else if (!strncmp(order, "grid:", 5)) {
        uint64_t G = strtoull(order + 5, NULL, 10);
        if (G == 0) G = 1;
        for (uint64_t t = 0; t < G; t++)
            for (uint64_t w = t; w < nwork; w += G)
                winit_kitem(op, k0, k1, stream, rs, start, nrows, len, nbmax, w, out.data());
    } else {
        fprintf(stderr, "unknown order %s\n", order);
        return 2;
    }
    fwrite(out.data(), sizeof(T), out.size(), stdout);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "list")) {
#define X_LIST(NAME, DIST, DTYPE, PARAM, ...) \
    printf("winit_k_%s %d %u %s %u\n", #NAME, (int)winit_op_##NAME::EPB, \
           (unsigned)sizeof(winit_op_##NAME::out_t), #PARAM, (unsigned)sizeof(PARAM));
        WINIT_KERNELS(X_LIST)
        return 0;
    }
    if (argc >= 4 && !strcmp(argv[1], "run")) {
#define X_RUN(NAME, ...) if (!strcmp(argv[2], "winit_k_" #NAME)) return run<winit_op_##NAME>(argv[3]);
        WINIT_KERNELS(X_RUN)
        fprintf(stderr, "unknown kernel %s\n", argv[2]);
        return 2;
    }
    fprintf(stderr, "usage: host_harness list | run NAME ORDER\n");
    return 2;
}
