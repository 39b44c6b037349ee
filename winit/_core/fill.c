/* fill.c -- range and region fills with OpenMP, over the per-(dist, dtype) block
 * functions of the SIMD level in use. */
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "fill.h"
#include "simd_level.h"

#define WINIT_SFX _portable
#include "fill_blocks.h"
#undef WINIT_SFX

static const winit_blocks_fn (*g_table)[WINIT_N_DTYPE] = winit_blocks_table_portable;
static int g_simd_level = 0;
static int g_nthreads = 0;
static int g_best_level = -1; /* what the CPU and this build support; -1: not probed yet */

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

static int best_level(void);

static void fill_range(const winit_fill_spec *s, void *out, uint64_t start, size_t n,
                       unsigned flags) {
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
        fn(s, b, 1, tmp, 0);
        memcpy(o, tmp + j * esz, k * esz);
        o += k * esz; n -= k; b++;
    }
    size_t nb = n / epb;
    if (nb) {
        fn(s, b, nb, o, flags);
        o += nb * epb * esz; n -= nb * epb; b += nb;
    }
    if (n) { /* tail */
        fn(s, b, 1, tmp, 0);
        memcpy(o, tmp, n * esz);
    }
}

void winit_fill_range(const winit_fill_spec *s, void *out, uint64_t start, size_t n) {
    if (g_best_level < 0) best_level();
    fill_range(s, out, start, n, 0);
}

/* below this many elements a region is filled by the calling thread alone */
#define WINIT_PAR_MIN ((size_t)1 << 15)

/* Non-temporal stores (where the level has them) for outputs of this many bytes or
 * more, which would not stay in the caches anyway -- and only where writing memory,
 * not computing, is the bound: raw words and uniform in 4- and 8-byte dtypes. Measured
 * on Zen 3 (16M elements, cycles/element, non-temporal vs regular): bits 2.4 / 3.1,
 * uniform f32 2.6 / 3.4; normal f32 7.2 / 6.7 and uniform f16 3.2 / 2.7 lose the L1
 * stage copy without gaining bandwidth. */
#define WINIT_STREAM_MIN_BYTES ((size_t)8 << 20)

static unsigned stream_flags(const winit_fill_spec *s, size_t total) {
    const int cheap = s->dist == WINIT_DIST_BITS || s->dist == WINIT_DIST_UNIFORM;
    const size_t esz = dtype_size(s->dtype);
    return cheap && esz >= 4 && total * esz >= WINIT_STREAM_MIN_BYTES ? WINIT_FILL_STREAM : 0;
}

static void fill_slice(const winit_fill_spec *s, unsigned char *out, const uint64_t *row_start,
                       size_t len, size_t e0, size_t e1, unsigned flags) {
    const size_t esz = dtype_size(s->dtype);
    while (e0 < e1) {
        size_t r = e0 / len, c = e0 % len;
        size_t k = len - c < e1 - e0 ? len - c : e1 - e0;
        fill_range(s, out + e0 * esz, row_start[r] + c, k, flags);
        e0 += k;
    }
}

void winit_fill_region(const winit_fill_spec *s, void *out, const uint64_t *row_start,
                       size_t nrows, size_t len, int nthreads) {
    size_t total = nrows * len;
    if (total == 0) return;
    if (g_best_level < 0) best_level(); /* before the threads start */
    const unsigned flags = stream_flags(s, total);
    int nt = nthreads > 0 ? nthreads : winit_get_num_threads();
    if (total < WINIT_PAR_MIN || nt <= 1) {
        fill_slice(s, (unsigned char *)out, row_start, len, 0, total, flags);
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
        if (e0 < e1) fill_slice(s, (unsigned char *)out, row_start, len, e0, e1, flags);
    }
#else
    fill_slice(s, (unsigned char *)out, row_start, len, 0, total, flags);
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

/* ---- SIMD levels: chosen once from the CPU, capped by winit_set_simd_level ---- */

#if WINIT_X86_SIMD
#include <cpuid.h>
/* simd_avx2.c / simd_avx512.c: the same block fills compiled for those ISAs */
const winit_blocks_fn (*winit_blocks_table_avx2_get(void))[WINIT_N_DTYPE];
const winit_blocks_fn (*winit_blocks_table_avx512_get(void))[WINIT_N_DTYPE];
void winit_f16_convert_avx2_ext(uint16_t *o, const float *y, size_t n);
void winit_f16_convert_avx512_ext(uint16_t *o, const float *y, size_t n);

static int cpu_has_f16c(void) {
    unsigned a, b, c, d;
    return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C);
}

static int cpu_best_level(void) {
    __builtin_cpu_init(); /* the checks include OS support (XGETBV) of the vector state */
    if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
          __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2") && cpu_has_f16c()))
        return WINIT_SIMD_PORTABLE;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        return WINIT_SIMD_AVX512;
    return WINIT_SIMD_AVX2;
}
#else
static int cpu_best_level(void) { return WINIT_SIMD_PORTABLE; }
#endif

static const winit_blocks_fn (*level_table(int level))[WINIT_N_DTYPE] {
#if WINIT_X86_SIMD
    if (level == WINIT_SIMD_AVX512) return winit_blocks_table_avx512_get();
    if (level == WINIT_SIMD_AVX2) return winit_blocks_table_avx2_get();
#endif
    (void)level;
    return winit_blocks_table_portable;
}


static int best_level(void) {
    if (g_best_level < 0) { /* benign race: every thread computes the same value */
        int best = cpu_best_level();
        g_simd_level = best;
        g_table = level_table(best);
        g_best_level = best;
    }
    return g_best_level;
}

#if defined(__GNUC__) || defined(__clang__)
/* probe the CPU when the library loads, before any thread can race on it */
__attribute__((constructor)) static void winit_probe_cpu(void) { best_level(); }
#endif

int winit_simd_available(int level) { return level >= 0 && level <= best_level(); }

int winit_simd_level(void) {
    best_level();
    return g_simd_level;
}

int winit_set_simd_level(int level) {
    int best = best_level();
    if (level < 0) level = 0;
    if (level > best) level = best;
    g_table = level_table(level);
    g_simd_level = level;
    return level;
}

long long winit_f16_mismatches(int level, uint32_t start, uint32_t count) {
    if (!winit_simd_available(level)) return -1;
    float y[1024];
    uint16_t h[1024];
    long long bad = 0;
    uint32_t u = start;
    while (count) {
        uint32_t n = count < 1024 ? count : 1024;
        for (uint32_t k = 0; k < n; k++) y[k] = winit_bits_f32(u + k);
#if WINIT_X86_SIMD
        if (level == WINIT_SIMD_AVX512) winit_f16_convert_avx512_ext(h, y, n);
        else if (level == WINIT_SIMD_AVX2) winit_f16_convert_avx2_ext(h, y, n);
        else
#endif
            f16_convert_portable(h, y, n);
        for (uint32_t k = 0; k < n; k++) bad += h[k] != winit_f32_to_f16(y[k]);
        u += n;
        count -= n;
    }
    return bad;
}
