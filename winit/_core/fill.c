/* fill.c -- dispatch and threading: range and region fills with OpenMP over the block
 * fills of the SIMD level in use (simd_portable.c, simd_avx2.c, simd_avx512.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "fill.h"
#include "simd_level.h"

#define WINIT__K_INFO(NAME, DIST, DTYPE, PARAM, FIELD, OUT, EPB, ...)                            \
    {#NAME, WINIT_DIST_##DIST, WINIT_DT_##DTYPE, EPB, (uint32_t)sizeof(OUT), (uint32_t)sizeof(PARAM), \
     (uint32_t)offsetof(winit_fill_spec, FIELD)},
const winit_kernel_info winit_kernel_infos[WINIT_N_KERNELS] = {WINIT_KERNELS(WINIT__K_INFO)};
#undef WINIT__K_INFO

static const winit_blocks_fn (*g_table)[WINIT_N_DTYPE] = NULL; /* set by best_level() */
static int g_simd_level = 0;
static int g_nthreads = 0;
static int g_best_level = -1; /* what the CPU and this build support; -1: not probed yet */

int winit_fill_supported(int dist, int dtype) {
    return winit_kernel_of(dist, dtype) >= 0;
}

static size_t dtype_size(const winit_fill_spec *s) {
    return winit_kernel_infos[winit_kernel_of(s->dist, s->dtype)].itemsize;
}

static int best_level(void);

#define WINIT_UNALIGNED_BLOCKS 128 /* blocks per pass through the aligned buffer (4 KiB) */

static void fill_range(const winit_fill_spec *s, void *out, uint64_t start, size_t n,
                       unsigned flags) {
    winit_blocks_fn fn = g_table[s->dist][s->dtype];
    const size_t esz = dtype_size(s);
    const unsigned epb = s->dtype == WINIT_DT_FLOAT64 ? WINIT_EPB_F64 : WINIT_EPB_F32;
    unsigned char *o = (unsigned char *)out;
    /* the block fills store typed values: their buffers are aligned */
    unsigned char tmp[4 * 8] __attribute__((aligned(64)));
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
    if (nb && ((uintptr_t)o & (esz - 1)) == 0) {
        fn(s, b, nb, o, flags);
        o += nb * epb * esz; n -= nb * epb; b += nb;
    }
    while (nb && n >= epb) {
        /* an output off its element alignment (a view at any byte offset): a typed store
         * there is undefined behaviour in C, so through an aligned buffer */
        unsigned char buf[WINIT_UNALIGNED_BLOCKS * 4 * 8] __attribute__((aligned(64)));
        size_t m = n / epb < WINIT_UNALIGNED_BLOCKS ? n / epb : WINIT_UNALIGNED_BLOCKS;
        fn(s, b, m, buf, 0);
        memcpy(o, buf, m * epb * esz);
        o += m * epb * esz; n -= m * epb; b += m;
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

/* Non-temporal stores (where the level has them) for outputs of this many bytes or
 * more, which would not stay in the caches anyway -- and only where writing memory,
 * not computing, is the bound: raw words and uniform in 4- and 8-byte dtypes. Measured
 * on Zen 3 (16M elements, cycles/element, non-temporal vs regular): bits 2.4 / 3.1,
 * uniform f32 2.6 / 3.4; normal f32 7.2 / 6.7 and uniform f16 3.2 / 2.7 lose the L1
 * stage copy without gaining bandwidth. */
#define WINIT_STREAM_MIN_BYTES ((size_t)8 << 20)

size_t winit_layout_rows(const winit_fill_layout *L) {
    size_t n = 1;
    for (int d = 0; d < L->ndim; d++) n *= (size_t)L->rows[d];
    return n;
}

static unsigned stream_flags(const winit_fill_spec *s, const winit_fill_layout *L) {
    const int cheap = s->dist == WINIT_DIST_BITS || s->dist == WINIT_DIST_UNIFORM;
    const size_t esz = dtype_size(s);
    return cheap && esz >= 4 && L->stride == 1 && L->out_step == NULL &&
                   winit_layout_rows(L) * L->len * esz >= WINIT_STREAM_MIN_BYTES
               ? WINIT_FILL_STREAM : 0;
}

/* A strided run goes through an L1 stage of this many bytes. */
#define WINIT_STAGE_BYTES 4096

static void scatter(unsigned char *dst, const unsigned char *src, size_t n, size_t esz,
                    int64_t stride) {
    const ptrdiff_t step = (ptrdiff_t)stride * (ptrdiff_t)esz;
    for (size_t i = 0; i < n; i++, dst += step, src += esz) memcpy(dst, src, esz);
}

/* A row's position: its multi-index, stream index and output offset, stepped row by row
 * (an odometer over rows[]) so a slice costs no division per row. step is NULL when
 * the layout lists its row starts. */
typedef struct {
    uint64_t idx[64];
    uint64_t first;  /* stream index of the row's first element (box layouts) */
    int64_t base;    /* output offset of the row's first element */
} row_pos;

static void row_seek(const winit_fill_layout *L, size_t r, row_pos *p) {
    p->first = L->start;
    p->base = 0;
    for (int d = L->ndim - 1; d >= 0; d--) {
        const uint64_t n = L->rows[d];
        p->idx[d] = r % n;
        r /= n;
        if (L->step) p->first += p->idx[d] * L->step[d];
        if (L->out_step) p->base += (int64_t)p->idx[d] * L->out_step[d];
    }
}

static void row_next(const winit_fill_layout *L, row_pos *p) {
    for (int d = L->ndim - 1; d >= 0; d--) {
        if (L->step) p->first += L->step[d];
        if (L->out_step) p->base += L->out_step[d];
        if (++p->idx[d] < L->rows[d]) return;
        if (L->step) p->first -= L->rows[d] * L->step[d];
        if (L->out_step) p->base -= (int64_t)L->rows[d] * L->out_step[d];
        p->idx[d] = 0;
    }
}

/* Elements e0 .. e1-1 of the layout (row order). */
static void fill_slice(const winit_fill_spec *s, unsigned char *out, const winit_fill_layout *L,
                       size_t e0, size_t e1, unsigned flags) {
    const size_t esz = dtype_size(s), len = L->len;
    size_t r = e0 / len, c = e0 % len;
    row_pos p;
    row_seek(L, r, &p);
    while (e0 < e1) {
        size_t k = len - c < e1 - e0 ? len - c : e1 - e0;
        const uint64_t first = (L->row_start ? L->row_start[r] : p.first) + c;
        const int64_t base = L->out_step ? p.base : (int64_t)(r * len);
        unsigned char *dst = out + (base + (int64_t)c * L->stride) * (ptrdiff_t)esz;
        if (L->stride == 1) {
            fill_range(s, dst, first, k, flags);
        } else {
            unsigned char stage[WINIT_STAGE_BYTES] __attribute__((aligned(64)));
            const size_t per = WINIT_STAGE_BYTES / esz;
            for (size_t i = 0; i < k; i += per) {
                size_t m = k - i < per ? k - i : per;
                fill_range(s, stage, first + i, m, 0);
                scatter(dst + (ptrdiff_t)i * L->stride * (ptrdiff_t)esz, stage, m, esz, L->stride);
            }
        }
        e0 += k;
        c = 0;
        r++;
        row_next(L, &p);
    }
}

void winit_fill_region(const winit_fill_spec *s, void *out, const winit_fill_layout *L,
                       size_t e0, size_t e1, int nthreads) {
    if (e1 <= e0 || winit_kernel_of(s->dist, s->dtype) < 0) return;
    if (g_best_level < 0) best_level(); /* before the threads start */
    const unsigned flags = stream_flags(s, L);
    const size_t total = e1 - e0;
    const int nt = winit_threads_for(total, nthreads);
    if (nt <= 1) {
        fill_slice(s, (unsigned char *)out, L, e0, e1, flags);
        return;
    }
#ifdef _OPENMP
    #pragma omp parallel num_threads(nt)
    {
        int t = omp_get_thread_num(), T = omp_get_num_threads();
        /* contiguous shares, cut at multiples of 64 elements (whole cache lines) */
        size_t per = ((total + (size_t)T - 1) / (size_t)T + 63) & ~(size_t)63;
        size_t a = e0 + (size_t)t * per, b = a + per;
        if (b > e1) b = e1;
        if (a < b) fill_slice(s, (unsigned char *)out, L, a, b, flags);
    }
#else
    fill_slice(s, (unsigned char *)out, L, e0, e1, flags);
#endif
}

/* ---- constants: one value (esz bytes) repeated over a contiguous output, split
 * between threads as the fills are (a constant is memory-bound; numpy's is one thread) */

/* a constant of more than this many bytes bypasses the caches: on the Emerald Rapids VM,
 * float32, one thread, regular vs non-temporal stores: 32 MiB 1.3 / 1.5 ms (and still
 * cached for a read that follows), 64 MiB 8.7 / 3.1 ms (the stores' reads for ownership
 * from memory; glibc's memset of zeros 3.4 ms) */
#define WINIT_NT_MIN ((size_t)32 << 20)

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#define WINIT_HAVE_NT 1

/* Bytes [0, bytes) of dst: byte j = value[j % esz]; 16 % esz == 0. */
static void repeat_value_nt(unsigned char *dst, size_t bytes, const unsigned char *value,
                            size_t esz) {
    size_t head = (16 - ((uintptr_t)dst & 15)) & 15, j;
    unsigned char rot[16];
    for (j = 0; j < head; j++) dst[j] = value[j % esz];
    for (j = 0; j < 16; j++) rot[j] = value[(head + j) % esz];
    const __m128i v = _mm_loadu_si128((const __m128i *)rot);
    for (j = head; j + 16 <= bytes; j += 16) _mm_stream_si128((__m128i *)(dst + j), v);
    _mm_sfence();
    for (; j < bytes; j++) dst[j] = value[j % esz];
}
#else
#define WINIT_HAVE_NT 0
#endif

/* nt_stores: through repeat_value_nt (WINIT_HAVE_NT, 16 % esz == 0) */
static void repeat_value(unsigned char *dst, size_t n, const unsigned char *value, size_t esz,
                         int nt_stores) {
#if WINIT_HAVE_NT
    if (nt_stores) {
        repeat_value_nt(dst, n * esz, value, esz);
        return;
    }
#else
    (void)nt_stores;
#endif
    unsigned char buf[WINIT_STAGE_BYTES] __attribute__((aligned(64)));
    const size_t per = WINIT_STAGE_BYTES / esz;
    for (size_t i = 0; i < per && i < n; i++) memcpy(buf + i * esz, value, esz);
    for (size_t i = 0; i < n; i += per) {
        size_t m = n - i < per ? n - i : per;
        memcpy(dst + i * esz, buf, m * esz);
    }
}

void winit_fill_constant(void *out, size_t n, const void *value, size_t esz, int nthreads) {
    const unsigned char *v = (const unsigned char *)value;
    int zero = 1;
    for (size_t i = 0; i < esz; i++) zero &= v[i] == 0;
    const int nt = winit_threads_for(n, nthreads);
    const int nt_stores = WINIT_HAVE_NT && 16 % esz == 0 && n * esz > WINIT_NT_MIN;
#ifdef _OPENMP
    #pragma omp parallel num_threads(nt)
    {
        int t = omp_get_thread_num(), T = omp_get_num_threads();
#else
    {
        int t = 0, T = 1;
#endif
        size_t per = ((n + (size_t)T - 1) / (size_t)T + 63) & ~(size_t)63;
        size_t a = (size_t)t * per, b = a + per;
        if (b > n) b = n;
        if (a < b) {
            unsigned char *dst = (unsigned char *)out + a * esz;
            if (zero) memset(dst, 0, (b - a) * esz);
            else repeat_value(dst, b - a, v, esz, nt_stores);
        }
    }
}

/* ---- threads: never more than a sane multiple of the CPUs (an unchecked count
 * makes libgomp crash or exit the process) ---- */

static int g_max_threads = 0; /* computed once: omp_get_num_procs() is a system call */

int winit_max_threads(void) {
    if (g_max_threads <= 0) { /* benign race: every thread computes the same value */
#ifdef _OPENMP
        int cpus = omp_get_num_procs();
        int cap = 4 * (cpus > 0 ? cpus : 1);
        g_max_threads = cap < 1024 ? cap : 1024;
#else
        g_max_threads = 1;
#endif
    }
    return g_max_threads;
}

void winit_set_num_threads(int n) {
    const int cap = winit_max_threads();
    g_nthreads = n <= 0 ? 0 : (n < cap ? n : cap);
}

int winit_threads_for(size_t work, int nthreads) {
    int nt = nthreads > 0 ? nthreads : winit_get_num_threads();
    if (nt > winit_max_threads()) nt = winit_max_threads();
    return work < WINIT_PAR_MIN || nt < 1 ? 1 : nt;
}

int winit_get_num_threads(void) {
    if (g_nthreads > 0) return g_nthreads;
#ifdef _OPENMP
    int n = omp_get_max_threads(); /* OMP_NUM_THREADS, else the CPU count */
    const int cap = winit_max_threads();
    return n < 1 ? 1 : (n < cap ? n : cap);
#else
    return 1;
#endif
}

/* ---- SIMD levels: chosen once from the CPU, capped by winit_set_simd_level ---- */

#if WINIT_X86_SIMD
#include <cpuid.h>

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
    return winit_blocks_table_portable_get();
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
            winit_f16_convert_portable_ext(h, y, n);
        for (uint32_t k = 0; k < n; k++) bad += h[k] != winit_f32_to_f16(y[k]);
        u += n;
        count -= n;
    }
    return bad;
}
