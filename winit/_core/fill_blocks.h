/* fill_blocks.h -- the block fills: for each kernel of winit/kernels.h, the function that fills nb
 * whole Philox blocks. Written once, in plain C over the header set, so that gcc
 * vectorises it; included once per SIMD level with WINIT_SFX naming the copy
 * (simd_portable.c; simd_avx2.c, simd_avx512.c: the same source under a target
 * pragma, so every value is computed by the same operations at every level).
 *
 * Per chunk of WINIT_CHUNK blocks (L1-resident):
 *   1. Philox pass: the words of the chunk into an array, in one of two layouts
 *      (the level may bring its own hand-written pass, simd_philox.h):
 *        WINIT_SOA: w[j * WINIT_CHUNK + i] = word j of block i
 *        WINIT_NAT: w[4 * i + j]           = word j of block i (natural order)
 *   2. Math pass: the header's per-block transform (element.h) for every block; the
 *      layout is chosen per function for the fastest vectorised loop, the values
 *      are the same either way.
 *   3. float16 / bfloat16: the float32 values of the chunk, then the conversion
 *      (the level may bring a vector one, WINIT_F16_CONVERT, equal to the header's
 *      for every input -- tests/test_simd.py).
 *   Output: straight into `out`, or (WINIT_FILL_STREAM and a level with
 *   WINIT_STREAM_COPY) into an L1 stage and from there with non-temporal stores. */
#include <string.h>
#include "fill.h"
#include "simd_level.h" /* WINIT_FN, WINIT_CHUNK, layouts */

#ifndef WINIT_HAVE_PHILOX_PASS /* the portable pass: the header's Philox, block by block */
static inline void WINIT_FN(philox_pass)(const winit_fill_spec *s, uint64_t b0, size_t nb,
                                         uint32_t *restrict w, int layout) {
    const uint32_t k0 = s->k0, k1 = s->k1;
    const uint64_t stream = s->stream;
    for (size_t i = 0; i < nb; i++) {
        winit_u32x4 r = winit_block_bits(k0, k1, stream, b0 + i);
        for (int j = 0; j < 4; j++)
            w[layout == WINIT_NAT ? 4 * i + j : j * WINIT_CHUNK + i] = r.v[j];
    }
}
#endif

#ifndef WINIT_STREAM_COPY /* no non-temporal stores at this level */
#define WINIT_STREAM_COPY(dst, src, bytes) memcpy((dst), (src), (bytes))
#define WINIT_HAVE_STREAM 0
#else
#define WINIT_HAVE_STREAM 1
#endif

#ifndef WINIT_F16_CONVERT /* float32 -> float16 bits, the header's conversion */
static inline void WINIT_FN(f16_convert)(uint16_t *restrict o, const float *restrict y, size_t n) {
    for (size_t k = 0; k < n; k++) o[k] = winit_f32_to_f16(y[k]);
}
#define WINIT_F16_CONVERT WINIT_FN(f16_convert)
#endif
static inline void WINIT_FN(bf16_convert)(uint16_t *restrict o, const float *restrict y, size_t n) {
    for (size_t k = 0; k < n; k++) o[k] = winit_f32_to_bf16(y[k]);
}

/* The word of block i, j of the chunk in layout L (w: the chunk's words). */
#define WINIT_WORD(L, w, i, j) ((L) == WINIT_NAT ? (w)[4 * (i) + (j)] : (w)[(j) * WINIT_CHUNK + (i)])

/* The math pass over m blocks of a chunk: BODY with w (winit_u32x4), i (block in the
 * chunk), o (T *restrict, the chunk's output) and P (the spec's parameters) in scope. */
#define WINIT_MATH_PASS(L, T, ws, m, o_, BODY)                                       \
    do {                                                                            \
        T *restrict o = (o_);                                                       \
        for (size_t i = 0; i < (m); i++) {                                          \
            winit_u32x4 w;                                                          \
            w.v[0] = WINIT_WORD(L, ws, i, 0); w.v[1] = WINIT_WORD(L, ws, i, 1);       \
            w.v[2] = WINIT_WORD(L, ws, i, 2); w.v[3] = WINIT_WORD(L, ws, i, 3);       \
            BODY                                                                    \
        }                                                                           \
    } while (0)

#if defined(__GNUC__) || defined(__clang__)
#define WINIT_ALIGN64 __attribute__((aligned(64)))
#else
#define WINIT_ALIGN64
#endif

/* Every header function inlined into the block fill, however large: the math pass
 * vectorises only as one loop body. */
#if defined(__GNUC__) || defined(__clang__)
#define WINIT_FLATTEN __attribute__((flatten))
#else
#define WINIT_FLATTEN
#endif

/* Specialisations of a math pass STMT (which reads the parameters through P):
 * none, or one copy per truncated-normal mode with the mode a constant in it -- so the
 * header's `if (t->mode & ...)` folds away and the loop vectorises (gcc does not
 * unswitch a loop this large). */
#define WINIT_SPEC_NONE(PT, par, STMT) STMT
#define WINIT_SPEC_TN_CASE(PT, par, STMT, M) \
    case M: {                                \
        PT q_ = (par);                       \
        q_.mode = M;                         \
        const PT *const P = &q_;             \
        STMT;                                \
    } break;
#define WINIT_SPEC_TN(PT, par, STMT)                                                        \
    switch ((par).mode) {                                                                   \
        WINIT_SPEC_TN_CASE(PT, par, STMT, 0)                                                \
        WINIT_SPEC_TN_CASE(PT, par, STMT, WINIT_TN_FLIP)                                     \
        WINIT_SPEC_TN_CASE(PT, par, STMT, WINIT_TN_LOG)                                      \
        WINIT_SPEC_TN_CASE(PT, par, STMT, WINIT_TN_LOG | WINIT_TN_FLIP)                      \
        default: STMT;                                                                      \
    }

#ifndef WINIT_STREAM_FENCE
#define WINIT_STREAM_FENCE(streaming) ((void)(streaming))
#endif

/* The block fill of a kernel of winit/kernels.h: NAME<sfx>(spec, b0, nb, out, flags).
 * Per chunk: the Philox pass, then the math pass (BLOCK on each block) -- straight into
 * the output (CONV NONE), or into float32 values that the level's conversion rounds to
 * float16 / bfloat16 (CONV F16 / BF16) -- and with WINIT_FILL_STREAM through an L1
 * stage and non-temporal stores. */
#define WINIT_MATH_T_NONE(T) T
#define WINIT_MATH_T_F16(T) float
#define WINIT_MATH_T_BF16(T) float
#define WINIT_MATH_OUT_NONE(d, y) (d)
#define WINIT_MATH_OUT_F16(d, y) (y)
#define WINIT_MATH_OUT_BF16(d, y) (y)
#define WINIT_CONVERT_NONE(d, y, n) ((void)0)
#define WINIT_CONVERT_F16(d, y, n) WINIT_F16_CONVERT(d, y, n)
#define WINIT_CONVERT_BF16(d, y, n) WINIT_FN(bf16_convert)(d, y, n)
#define WINIT_DEFINE_BLOCKS(NAME, DIST, DTYPE, PT, FIELD, T, EPB, BLOCK, CONV, LAYOUT, SPEC)     \
    WINIT_FLATTEN static void WINIT_FN(NAME)(const winit_fill_spec *s, uint64_t b0, size_t nb, \
                                             void *out, unsigned flags) {                    \
        uint32_t ws[4 * WINIT_CHUNK] WINIT_ALIGN64;                                           \
        WINIT_MATH_T_##CONV(T) y[(EPB) * WINIT_CHUNK] WINIT_ALIGN64;                          \
        T stage[(EPB) * WINIT_CHUNK] WINIT_ALIGN64;                                           \
        const PT par = s->FIELD; /* a local copy: no aliasing with the output */             \
        const PT *const P = &par;                                                             \
        const int streaming = WINIT_HAVE_STREAM && (flags & WINIT_FILL_STREAM);              \
        T *dst = (T *)out;                                                                    \
        (void)P; (void)y;                                                                     \
        for (size_t c = 0; c < nb; c += WINIT_CHUNK) {                                        \
            size_t m = nb - c < WINIT_CHUNK ? nb - c : WINIT_CHUNK;                           \
            WINIT_FN(philox_pass)(s, b0 + c, m, ws, WINIT_##LAYOUT);                          \
            T *d = streaming ? stage : dst + c * (EPB);                                       \
            WINIT_SPEC_##SPEC(PT, par,                                                        \
                WINIT_MATH_PASS(WINIT_##LAYOUT, WINIT_MATH_T_##CONV(T), ws, m,                \
                                WINIT_MATH_OUT_##CONV(d, y), { BLOCK(w, P, o + (EPB) * i); })); \
            WINIT_CONVERT_##CONV(d, y, (EPB) * m);                                            \
            if (streaming) WINIT_STREAM_COPY(dst + c * (EPB), stage, m * (EPB) * sizeof(T));   \
        }                                                                                     \
        WINIT_STREAM_FENCE(streaming);                                                        \
    }

WINIT_KERNELS(WINIT_DEFINE_BLOCKS)

/* [dist][dtype], NULL where there is no kernel */
#define WINIT_TABLE_ENTRY(NAME, DIST, DTYPE, ...) [WINIT_DIST_##DIST][WINIT_DT_##DTYPE] = WINIT_FN(NAME),
static const winit_blocks_fn WINIT_FN(winit_blocks_table)[WINIT_N_DIST][WINIT_N_DTYPE] = {
    WINIT_KERNELS(WINIT_TABLE_ENTRY)
};
#undef WINIT_TABLE_ENTRY
