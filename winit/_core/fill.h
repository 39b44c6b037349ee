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
 * (nb * elements-per-block values). One per (dist, dtype); every SIMD level
 * must produce the same bits as the portable one. */
typedef void (*winit_blocks_fn)(const winit_fill_spec *s, uint64_t b0, size_t nb, void *out);

/* Is (dist, dtype) a supported combination? */
int winit_fill_supported(int dist, int dtype);

/* Elements start .. start+n-1 of the stream into out (single thread). */
void winit_fill_range(const winit_fill_spec *s, void *out, uint64_t start, size_t n);

/* A rectangular region of a tensor: nrows runs of len elements, run r starting at
 * flat index row_start[r] and written to out + r*len elements. OpenMP threads
 * split the work; the bits do not depend on nthreads (<= 0: the default). */
void winit_fill_region(const winit_fill_spec *s, void *out, const uint64_t *row_start,
                       size_t nrows, size_t len, int nthreads);

void winit_set_num_threads(int n);
int winit_get_num_threads(void);

/* SIMD level: 0 portable, 1 avx2, 2 avx512 (best available if not capped). */
int winit_simd_level(void);
int winit_set_simd_level(int level); /* returns the level actually in use */
int winit_simd_available(int level);

#endif /* WINIT_FILL_H */
