/* select.c -- sparse_init's zero positions (select.h): a radix step on each unit's keys
 * (a histogram of their top 8 bits finds the bucket of the k-th smallest), then a sort of
 * that bucket's few pairs. */
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "select.h"
#include "fill.h"

#define SEL_BLOCK 16
#define SEL_BUCKETS 256

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void sort_u64(uint64_t *a, size_t n) {
    if (n > 32) { qsort(a, n, sizeof *a, cmp_u64); return; }
    for (size_t i = 1; i < n; i++) { /* insertion sort: the usual bucket holds ~n_pos/256 */
        uint64_t v = a[i];
        size_t j = i;
        for (; j && a[j - 1] > v; j--) a[j] = a[j - 1];
        a[j] = v;
    }
}

/* The k-th smallest pair of one unit whose n keys are contiguous at kr. hist: scratch of
 * SEL_BUCKETS counters; cand: scratch of *cap pairs, grown as needed. */
static int unit_kth(const uint32_t *kr, size_t n, size_t k, uint64_t *thr, uint32_t *hist,
                    uint64_t **cand, size_t *cap) {
    memset(hist, 0, SEL_BUCKETS * sizeof *hist);
    for (size_t q = 0; q < n; q++) hist[kr[q] >> 24]++;
    size_t below = 0, b = 0;
    while (below + hist[b] < k) below += hist[b++]; /* k <= n: stops at a bucket */
    if (hist[b] > *cap) {
        uint64_t *p = (uint64_t *)realloc(*cand, hist[b] * sizeof **cand);
        if (!p) return -1;
        *cand = p;
        *cap = hist[b];
    }
    uint64_t *c = *cand;
    size_t m = 0;
    for (size_t q = 0; q < n; q++)
        if (kr[q] >> 24 == b) c[m++] = (uint64_t)kr[q] << 32 | q;
    sort_u64(c, m);
    *thr = c[k - below - 1];
    return 0;
}

/* Units u0 .. u0+nb-1: a unit's keys are scanned in place when contiguous, else first
 * gathered (a block of SEL_BLOCK units at once: one cache line per position in torch's
 * layout) into rows of tr, padded so that its rows do not share cache sets. */
static int block_kth(const uint32_t *keys, size_t u0, size_t nb, size_t n_pos, ptrdiff_t su,
                     ptrdiff_t sq, size_t k, uint64_t *thr, uint32_t *tr, size_t tr_row,
                     uint32_t *hist, uint64_t **cand, size_t *cap) {
    const uint32_t *base = keys + (ptrdiff_t)u0 * su;
    if (sq == 1) {
        for (size_t j = 0; j < nb; j++)
            if (unit_kth(base + (ptrdiff_t)j * su, n_pos, k, thr + u0 + j, hist, cand, cap))
                return -1;
        return 0;
    }
    for (size_t q = 0; q < n_pos; q++) {
        const uint32_t *row = base + (ptrdiff_t)q * sq;
        for (size_t j = 0; j < nb; j++) tr[j * tr_row + q] = row[(ptrdiff_t)j * su];
    }
    for (size_t j = 0; j < nb; j++)
        if (unit_kth(tr + j * tr_row, n_pos, k, thr + u0 + j, hist, cand, cap)) return -1;
    return 0;
}

int winit_kth_pairs(const uint32_t *keys, size_t n_units, size_t n_pos, ptrdiff_t su,
                    ptrdiff_t sq, size_t k, uint64_t *thr, int nthreads) {
    const size_t nblocks = (n_units + SEL_BLOCK - 1) / SEL_BLOCK;
    const size_t tr_row = (n_pos + 15) / 16 * 16 + 16; /* padded by a cache line */
    int failed = 0;
    int nt = winit_threads_for(n_units * n_pos, nthreads);
    if ((size_t)nt > nblocks) nt = nblocks ? (int)nblocks : 1;
#ifdef _OPENMP
    #pragma omp parallel num_threads(nt) reduction(| : failed)
    {
        size_t t = (size_t)omp_get_thread_num(), T = (size_t)omp_get_num_threads();
#else
    {
        size_t t = 0, T = 1;
        (void)nt;
#endif
        uint64_t *cand = NULL;
        size_t cap = 0;
        uint32_t hist[SEL_BUCKETS];
        /* the gathered keys: at most the block's own (memory follows the request) */
        const size_t tr_rows = n_units < SEL_BLOCK ? n_units : SEL_BLOCK;
        uint32_t *tr = sq == 1 ? NULL : (uint32_t *)malloc(tr_rows * tr_row * sizeof *tr);
        if (sq != 1 && !tr) failed = 1;
        for (size_t b = nblocks * t / T; !failed && b < nblocks * (t + 1) / T; b++) {
            size_t u0 = b * SEL_BLOCK;
            size_t nb = n_units - u0 < SEL_BLOCK ? n_units - u0 : SEL_BLOCK;
            if (block_kth(keys, u0, nb, n_pos, su, sq, k, thr, tr, tr_row, hist, &cand, &cap))
                failed = 1;
        }
        free(tr);
        free(cand);
    }
    return failed ? -1 : 0;
}

/* The element at p (parts parts of type T, SIGN its sign bit; any alignment): chosen -> 0,
 * else a zero -> the smallest subnormal of its sign. */
#define SEL_APPLY(T, SIGN)                                                                   \
    static inline void apply_##T(unsigned char *p, int parts, int chosen) {                  \
        if (chosen) { memset(p, 0, sizeof(T) * (size_t)parts); return; }                     \
        T v, any = 0;                                                                        \
        for (int i = 0; i < parts; i++) {                                                    \
            memcpy(&v, p + i * sizeof(T), sizeof v);                                         \
            any |= v & (T)~(T)(SIGN);                                                        \
        }                                                                                    \
        if (!any) { memcpy(&v, p, sizeof v); v |= 1; memcpy(p, &v, sizeof v); }              \
    }
SEL_APPLY(uint16_t, 0x8000u)
SEL_APPLY(uint32_t, 0x80000000u)
SEL_APPLY(uint64_t, 0x8000000000000000ull)
#undef SEL_APPLY

static inline void apply_one(unsigned char *p, size_t part, int parts, int chosen) {
    switch (part) {
    case 2: apply_uint16_t(p, parts, chosen); break;
    case 4: apply_uint32_t(p, parts, chosen); break;
    default: apply_uint64_t(p, parts, chosen); break;
    }
}

/* The fast rows: parts 1, out and keys contiguous along the inner axis, out aligned.
 * Along units (q fixed): torch's layout; along positions (u fixed): Keras' layout. */
#define SEL_ROWS(T, SIGN)                                                                    \
    static void units_row_##T(T *restrict o, const uint32_t *restrict kr,                   \
                              const uint64_t *restrict thr, uint32_t q, size_t n) {          \
        for (size_t u = 0; u < n; u++) {                                                     \
            uint32_t tk = (uint32_t)(thr[u] >> 32), tp = (uint32_t)thr[u], key = kr[u];      \
            T v = o[u], fixed = (v & (T)~(T)(SIGN)) ? v : (T)(v | 1);                        \
            o[u] = ((key < tk) | ((key == tk) & (q <= tp))) ? 0 : fixed;                     \
        }                                                                                    \
    }                                                                                        \
    static void positions_row_##T(T *restrict o, const uint32_t *restrict kr, uint64_t thr,  \
                                  uint32_t q0, size_t n) {                                   \
        uint32_t tk = (uint32_t)(thr >> 32), tp = (uint32_t)thr;                             \
        for (size_t i = 0; i < n; i++) {                                                     \
            uint32_t key = kr[i];                                                            \
            T v = o[i], fixed = (v & (T)~(T)(SIGN)) ? v : (T)(v | 1);                        \
            o[i] = ((key < tk) | ((key == tk) & (q0 + (uint32_t)i <= tp))) ? 0 : fixed;      \
        }                                                                                    \
    }
SEL_ROWS(uint16_t, 0x8000u)
SEL_ROWS(uint32_t, 0x80000000u)
SEL_ROWS(uint64_t, 0x8000000000000000ull)
#undef SEL_ROWS

static void fast_row(void *o, const uint32_t *kr, const uint64_t *thr, int q_outer, uint64_t q,
                    size_t n, size_t part) {
    switch (part) {
    case 2: if (q_outer) units_row_uint16_t(o, kr, thr, (uint32_t)q, n);
            else positions_row_uint16_t(o, kr, *thr, (uint32_t)q, n);
            break;
    case 4: if (q_outer) units_row_uint32_t(o, kr, thr, (uint32_t)q, n);
            else positions_row_uint32_t(o, kr, *thr, (uint32_t)q, n);
            break;
    case 8: if (q_outer) units_row_uint64_t(o, kr, thr, (uint32_t)q, n);
            else positions_row_uint64_t(o, kr, *thr, (uint32_t)q, n);
            break;
    }
}

void winit_sparse_apply(void *out, ptrdiff_t ou, ptrdiff_t oq, size_t part, int parts,
                        const uint32_t *keys, ptrdiff_t su, ptrdiff_t sq, size_t n_units,
                        size_t n_pos, uint64_t q0, const uint64_t *thr, int nthreads) {
    unsigned char *o = (unsigned char *)out;
    /* the outer loop over the axis with the larger output stride: the inner one walks memory */
    const int q_outer = (oq < 0 ? -oq : oq) >= (ou < 0 ? -ou : ou);
    const size_t n_outer = q_outer ? n_pos : n_units, n_inner = q_outer ? n_units : n_pos;
    const int fast = parts == 1 && ((uintptr_t)o | (size_t)(q_outer ? oq : ou)) % part == 0 &&
                     (q_outer ? ou : oq) == (ptrdiff_t)part && (q_outer ? su : sq) == 1;
    const int nt = winit_threads_for(n_units * n_pos, nthreads);
#ifdef _OPENMP
    #pragma omp parallel num_threads(nt)
    {
        size_t t = (size_t)omp_get_thread_num(), T = (size_t)omp_get_num_threads();
#else
    {
        size_t t = 0, T = 1;
        (void)nt;
#endif
      for (size_t a = n_outer * t / T; a < n_outer * (t + 1) / T; a++) {
        if (fast) {
            unsigned char *row = o + (ptrdiff_t)a * (q_outer ? oq : ou);
            const uint32_t *kr = keys + (ptrdiff_t)a * (q_outer ? sq : su);
            fast_row(row, kr, q_outer ? thr : thr + a, q_outer, q0 + (q_outer ? a : 0),
                     n_inner, part);
            continue;
        }
        for (size_t i = 0; i < n_inner; i++) {
            size_t u = q_outer ? i : a, q = q_outer ? a : i;
            uint64_t pair = (uint64_t)keys[(ptrdiff_t)u * su + (ptrdiff_t)q * sq] << 32 | (q0 + q);
            apply_one(o + (ptrdiff_t)u * ou + (ptrdiff_t)q * oq, part, parts, pair <= thr[u]);
        }
      }
    }
}
