/* fill.c -- range and region fills with OpenMP, over the per-(dist, dtype) block
 * functions of the SIMD level in use. */
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "fill.h"

#define WINIT_SFX _portable
#include "fill_blocks.h"
#undef WINIT_SFX

static const winit_blocks_fn (*g_table)[WINIT_N_DTYPE] = winit_blocks_table_portable;
static int g_simd_level = 0;
static int g_nthreads = 0;

static size_t dtype_size(int dtype) {
    switch (dtype) {
    case WINIT_DT_FLOAT64: return 8;
    case WINIT_DT_FLOAT16: case WINIT_DT_BFLOAT16: return 2;
    default: return 4;
    }
}

int winit_fill_supported(int dist, int dtype) {
    return dist >= 0 && dist < WINIT_N_DIST && dtype >= 0 && dtype < WINIT_N_DTYPE &&
           winit_blocks_table_portable[dist][dtype] != NULL;
}

void winit_fill_range(const winit_fill_spec *s, void *out, uint64_t start, size_t n) {
    winit_blocks_fn fn = g_table[s->dist][s->dtype];
    const size_t esz = dtype_size(s->dtype);
    const unsigned epb = s->dtype == WINIT_DT_FLOAT64 ? WINIT_EPB_F64 : WINIT_EPB_F32;
    unsigned char *o = (unsigned char *)out;
    unsigned char tmp[4 * 8];
    if (n == 0) return;
    uint64_t b = start / epb;
    unsigned j = (unsigned)(start % epb);
    if (j) { /* head: part of a block */
        size_t k = epb - j < n ? epb - j : n;
        fn(s, b, 1, tmp);
        memcpy(o, tmp + j * esz, k * esz);
        o += k * esz; n -= k; b++;
    }
    size_t nb = n / epb;
    if (nb) {
        fn(s, b, nb, o);
        o += nb * epb * esz; n -= nb * epb; b += nb;
    }
    if (n) { /* tail */
        fn(s, b, 1, tmp);
        memcpy(o, tmp, n * esz);
    }
}

/* below this many elements a region is filled by the calling thread alone */
#define WINIT_PAR_MIN ((size_t)1 << 15)

static void fill_slice(const winit_fill_spec *s, unsigned char *out, const uint64_t *row_start,
                       size_t len, size_t e0, size_t e1) {
    const size_t esz = dtype_size(s->dtype);
    while (e0 < e1) {
        size_t r = e0 / len, c = e0 % len;
        size_t k = len - c < e1 - e0 ? len - c : e1 - e0;
        winit_fill_range(s, out + e0 * esz, row_start[r] + c, k);
        e0 += k;
    }
}

void winit_fill_region(const winit_fill_spec *s, void *out, const uint64_t *row_start,
                       size_t nrows, size_t len, int nthreads) {
    size_t total = nrows * len;
    if (total == 0) return;
    int nt = nthreads > 0 ? nthreads : winit_get_num_threads();
    if (total < WINIT_PAR_MIN || nt <= 1) {
        fill_slice(s, (unsigned char *)out, row_start, len, 0, total);
        return;
    }
#ifdef _OPENMP
    #pragma omp parallel num_threads(nt)
    {
        int t = omp_get_thread_num(), T = omp_get_num_threads();
        /* contiguous shares, cut at multiples of 64 elements (whole cache lines) */
        size_t per = ((total + (size_t)T - 1) / (size_t)T + 63) & ~(size_t)63;
        size_t e0 = (size_t)t * per, e1 = e0 + per;
        if (e1 > total) e1 = total;
        if (e0 < e1) fill_slice(s, (unsigned char *)out, row_start, len, e0, e1);
    }
#else
    fill_slice(s, (unsigned char *)out, row_start, len, 0, total);
#endif
}

void winit_set_num_threads(int n) { g_nthreads = n > 0 ? n : 0; }

int winit_get_num_threads(void) {
    if (g_nthreads > 0) return g_nthreads;
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

int winit_simd_available(int level) { return level == 0; }
int winit_simd_level(void) { return g_simd_level; }
int winit_set_simd_level(int level) {
    (void)level;
    g_table = winit_blocks_table_portable;
    g_simd_level = 0;
    return g_simd_level;
}
