/* fill.h -- host fill loops over the header set (CPU only; never allocates). */
#ifndef WINIT_FILL_H
#define WINIT_FILL_H

#include <stddef.h>
#include <stdint.h>
#include "winit/kernels.h"

/* One fill: key, stream, which kernel, its parameters (the member FIELD of
 * winit/kernels.h's list; winit._core.pack sets it, from one place). */
typedef struct {
    uint32_t k0, k1;     /* Philox key */
    uint64_t stream;     /* counter words 2, 3 */
    int32_t dist, dtype;
    winit_knone kn;      /* raw words */
    winit_uniform_f32 uf; /* uniform */
    winit_uniform_f64 ud;
    winit_affine_f32 af; /* normal */
    winit_affine_f64 ad;
    winit_tn_f32 tf;     /* truncated normal */
    winit_tn_f64 td;
    winit_polar_f32 pf;  /* complex disk / truncated */
    winit_polar_f64 pd;
} winit_fill_spec;

/* What Python learns of each kernel (winit._core.KERNELS): the list of kernels.h. */
typedef struct {
    const char *name;
    int32_t dist, dtype, epb;
    uint32_t itemsize, param_size, param_offset; /* offset: of FIELD in winit_fill_spec */
} winit_kernel_info;
extern const winit_kernel_info winit_kernel_infos[WINIT_N_KERNELS];

/* The SIMD seam: fill nb whole Philox blocks b0 .. b0+nb-1 into out
 * (nb * elements-per-block values; out aligned for the element type: the portable level
 * stores typed values). One per kernel and SIMD level
 * (fill_blocks.h); every level produces the same bits as the portable one.
 * flags: WINIT_FILL_STREAM allows non-temporal stores (a large output that is not
 * read back soon); levels without them ignore it. */
enum { WINIT_FILL_STREAM = 1 };
typedef void (*winit_blocks_fn)(const winit_fill_spec *s, uint64_t b0, size_t nb, void *out,
                                unsigned flags);

/* Is (dist, dtype) a supported combination? */
int winit_fill_supported(int dist, int dtype);

/* Elements start .. start+n-1 of the stream into out (single thread); out at any
 * address (one off its element alignment is filled through an aligned buffer). */
void winit_fill_range(const winit_fill_spec *s, void *out, uint64_t start, size_t n);

/* Where a fill's values go: nrows rows of len elements. Row r has the multi-index
 * (i_0, ..., i_{ndim-1}) of r over rows[] (C order; nrows = their product, 1 when ndim
 * is 0) and is elements first .. first + len - 1 of the stream, first = row_start[r], or,
 * with row_start NULL, start + sum_d i_d * step[d] (a block of a C-order tensor: step
 * holds the tensor's strides, start the index of the block's first element). Its element
 * c goes to element base + c * stride of out, base = sum_d i_d * out_step[d] (any strides,
 * in elements, negative allowed), or r * len with out_step NULL (a contiguous output,
 * stride 1). Nothing here is O(rows): a block of a huge tensor costs its own size. The
 * elements must not overlap; a strided out must be aligned for the element type (_core
 * copies through numpy otherwise). */
typedef struct {
    const uint64_t *row_start;  /* NULL: the box below */
    uint64_t start;
    int ndim;
    const uint64_t *rows, *step;
    const int64_t *out_step;    /* NULL: contiguous */
    size_t len;
    int64_t stride;
} winit_fill_layout;

/* Elements e0 .. e1-1 of the layout's nrows * len (in row order): OpenMP threads split
 * them (nthreads <= 0: the default); the bits do not depend on the thread count, nor
 * on how a caller cuts [0, nrows * len) into calls. */
size_t winit_layout_rows(const winit_fill_layout *L);
/* A contiguous output of n elements of esz bytes set to *value (its bytes), with
 * threads as the fills. */
void winit_fill_constant(void *out, size_t n, const void *value, size_t esz, int nthreads);
void winit_fill_region(const winit_fill_spec *s, void *out, const winit_fill_layout *L,
                       size_t e0, size_t e1, int nthreads);

/* The threads a job of `work` elements runs on: nthreads (<= 0: the default), at most
 * winit_max_threads(), and 1 below WINIT_PAR_MIN elements (not worth waking a pool). */
#define WINIT_PAR_MIN ((size_t)1 << 15)
int winit_threads_for(size_t work, int nthreads);

/* Threads: 0 restores the default (OMP_NUM_THREADS or the CPU count, at most
 * winit_max_threads()); n is clamped to [1, winit_max_threads()] (Python validates). */
void winit_set_num_threads(int n);
int winit_get_num_threads(void);
int winit_max_threads(void);

/* SIMD level in use: the best the CPU and build support unless capped. */
enum { WINIT_SIMD_PORTABLE = 0, WINIT_SIMD_AVX2 = 1, WINIT_SIMD_AVX512 = 2 };
int winit_simd_level(void);
int winit_set_simd_level(int level); /* min(level, best available); returns it */
int winit_simd_available(int level);

/* Each level's block fills, [dist][dtype] (NULL where there is no kernel), and its
 * float16 conversion: simd_portable.c, simd_avx2.c, simd_avx512.c. */
const winit_blocks_fn (*winit_blocks_table_portable_get(void))[WINIT_N_DTYPE];
const winit_blocks_fn (*winit_blocks_table_avx2_get(void))[WINIT_N_DTYPE];
const winit_blocks_fn (*winit_blocks_table_avx512_get(void))[WINIT_N_DTYPE];
void winit_f16_convert_portable_ext(uint16_t *o, const float *y, size_t n);
void winit_f16_convert_avx2_ext(uint16_t *o, const float *y, size_t n);
void winit_f16_convert_avx512_ext(uint16_t *o, const float *y, size_t n);

/* Test hook: how many of the float32 bit patterns start .. start+count-1 (mod 2^32)
 * the float16 conversion of `level` maps differently from the header's
 * winit_f32_to_f16 (-1: level not available). */
long long winit_f16_mismatches(int level, uint32_t start, uint32_t count);

#endif /* WINIT_FILL_H */
