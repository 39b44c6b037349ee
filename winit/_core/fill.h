/* fill.h -- host fill loops over the header set (CPU only; never allocates). */
#ifndef WINIT_FILL_H
#define WINIT_FILL_H

#include <stddef.h>
#include <stdint.h>
#include "winit/element.h"

enum { WINIT_DIST_BITS = 0, WINIT_DIST_UNIFORM = 1, WINIT_DIST_NORMAL = 2, WINIT_DIST_TRUNCNORM = 3,
       WINIT_DIST_POLAR = 4, WINIT_N_DIST = 5 };
enum { WINIT_DT_FLOAT32 = 0, WINIT_DT_FLOAT64 = 1, WINIT_DT_FLOAT16 = 2, WINIT_DT_BFLOAT16 = 3,
       WINIT_DT_UINT32 = 4, WINIT_N_DTYPE = 5 };

typedef struct {
    uint32_t k0, k1;     /* Philox key */
    uint64_t stream;     /* counter words 2, 3 */
    int32_t dist, dtype;
    winit_affine_f32 af; /* uniform / normal */
    winit_affine_f64 ad;
    winit_tn_f32 tf;     /* truncated normal */
    winit_tn_f64 td;
    winit_polar_f32 pf;  /* complex disk / truncated */
    winit_polar_f64 pd;
} winit_fill_spec;

/* The SIMD seam: fill nb whole Philox blocks b0 .. b0+nb-1 into out
 * (nb * elements-per-block values, any alignment). One per (dist, dtype) and SIMD
 * level (fill_blocks.h); every level produces the same bits as the portable one.
 * flags: WINIT_FILL_STREAM allows non-temporal stores (a large output that is not
 * read back soon); levels without them ignore it. */
enum { WINIT_FILL_STREAM = 1 };
typedef void (*winit_blocks_fn)(const winit_fill_spec *s, uint64_t b0, size_t nb, void *out,
                                unsigned flags);

/* Is (dist, dtype) a supported combination? */
int winit_fill_supported(int dist, int dtype);

/* In both fills `out` must be aligned for the element type (4 bytes for float32 and
 * uint32, 8 for float64, 2 for float16/bfloat16); any further alignment is fine.
 * Elements start .. start+n-1 of the stream into out (single thread). */
void winit_fill_range(const winit_fill_spec *s, void *out, uint64_t start, size_t n);

/* A rectangular region of a tensor: nrows runs of len elements, run r starting at
 * flat index row_start[r] and written to out + r*len elements. OpenMP threads
 * split the work; the bits do not depend on nthreads (<= 0: the default). */
void winit_fill_region(const winit_fill_spec *s, void *out, const uint64_t *row_start,
                       size_t nrows, size_t len, int nthreads);

void winit_set_num_threads(int n);
int winit_get_num_threads(void);

/* SIMD level in use: the best the CPU and build support unless capped. */
enum { WINIT_SIMD_PORTABLE = 0, WINIT_SIMD_AVX2 = 1, WINIT_SIMD_AVX512 = 2 };
int winit_simd_level(void);
int winit_set_simd_level(int level); /* min(level, best available); returns it */
int winit_simd_available(int level);

/* Test hook: how many of the float32 bit patterns start .. start+count-1 (mod 2^32)
 * the float16 conversion of `level` maps differently from the header's
 * winit_f32_to_f16 (-1: level not available). */
long long winit_f16_mismatches(int level, uint32_t start, uint32_t count);

#endif /* WINIT_FILL_H */
