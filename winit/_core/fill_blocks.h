/* fill_blocks.h -- the portable block fills, written so gcc vectorises them:
 * a Philox pass over an L1-sized chunk of blocks (words kept in separate
 * arrays), then a math pass calling the header's per-block transforms.
 * Included once per ISA target with WINIT_SFX defining the name suffix. */
#include "fill.h"

#define WINIT_CAT2(a, b) a##b
#define WINIT_CAT(a, b) WINIT_CAT2(a, b)
#define WINIT_FN(name) WINIT_CAT(name, WINIT_SFX)

#define WINIT_CHUNK 256 /* blocks per pass: 4 KiB of words */

static inline void WINIT_FN(philox_pass)(const winit_fill_spec *s, uint64_t b0, size_t nb,
                                         uint32_t *restrict w0, uint32_t *restrict w1,
                                         uint32_t *restrict w2, uint32_t *restrict w3) {
    const uint32_t k0 = s->k0, k1 = s->k1;
    const uint64_t stream = s->stream;
    for (size_t i = 0; i < nb; i++) {
        winit_u32x4 r = winit_block_bits(k0, k1, stream, b0 + i);
        w0[i] = r.v[0]; w1[i] = r.v[1]; w2[i] = r.v[2]; w3[i] = r.v[3];
    }
}

/* Defines blocks_<dist>_<dtype><sfx>(spec, b0, nb, out): Philox pass then BODY per block,
 * with w (winit_u32x4) and i (block index within the chunk) in scope and o = out + chunk. */
#define WINIT_BLOCKS(NAME, T, EPB, BODY)                                                     \
    static void WINIT_FN(NAME)(const winit_fill_spec *s, uint64_t b0, size_t nb, void *out) { \
        uint32_t w0[WINIT_CHUNK], w1[WINIT_CHUNK], w2[WINIT_CHUNK], w3[WINIT_CHUNK];          \
        T *restrict dst = (T *)out;                                                           \
        for (size_t c = 0; c < nb; c += WINIT_CHUNK) {                                        \
            size_t m = nb - c < WINIT_CHUNK ? nb - c : WINIT_CHUNK;                           \
            WINIT_FN(philox_pass)(s, b0 + c, m, w0, w1, w2, w3);                              \
            T *restrict o = dst + c * (EPB);                                                  \
            for (size_t i = 0; i < m; i++) {                                                  \
                winit_u32x4 w;                                                                \
                w.v[0] = w0[i]; w.v[1] = w1[i]; w.v[2] = w2[i]; w.v[3] = w3[i];               \
                BODY                                                                          \
            }                                                                                 \
        }                                                                                     \
    }

WINIT_BLOCKS(bits_u32, uint32_t, 4, { for (int j = 0; j < 4; j++) o[4 * i + j] = w.v[j]; })

WINIT_BLOCKS(uniform_f32, float, 4, { winit_block_uniform_f32(w, s->af, o + 4 * i); })
WINIT_BLOCKS(uniform_f64, double, 2, { winit_block_uniform_f64(w, s->ad, o + 2 * i); })
WINIT_BLOCKS(uniform_f16, uint16_t, 4, {
    float y[4]; winit_block_uniform_f32(w, s->af, y);
    for (int j = 0; j < 4; j++) o[4 * i + j] = winit_f32_to_f16(y[j]); })
WINIT_BLOCKS(uniform_bf16, uint16_t, 4, {
    float y[4]; winit_block_uniform_f32(w, s->af, y);
    for (int j = 0; j < 4; j++) o[4 * i + j] = winit_f32_to_bf16(y[j]); })

WINIT_BLOCKS(normal_f32, float, 4, { winit_block_normal_f32(w, s->af, o + 4 * i); })
WINIT_BLOCKS(normal_f64, double, 2, { winit_block_normal_f64(w, s->ad, o + 2 * i); })
WINIT_BLOCKS(normal_f16, uint16_t, 4, {
    float y[4]; winit_block_normal_f32(w, s->af, y);
    for (int j = 0; j < 4; j++) o[4 * i + j] = winit_f32_to_f16(y[j]); })
WINIT_BLOCKS(normal_bf16, uint16_t, 4, {
    float y[4]; winit_block_normal_f32(w, s->af, y);
    for (int j = 0; j < 4; j++) o[4 * i + j] = winit_f32_to_bf16(y[j]); })

WINIT_BLOCKS(truncnorm_f32, float, 4, { winit_block_truncnorm_f32(w, &s->tf, o + 4 * i); })
WINIT_BLOCKS(truncnorm_f64, double, 2, { winit_block_truncnorm_f64(w, &s->td, o + 2 * i); })
WINIT_BLOCKS(truncnorm_f16, uint16_t, 4, {
    float y[4]; winit_block_truncnorm_f32(w, &s->tf, y);
    for (int j = 0; j < 4; j++) o[4 * i + j] = winit_f32_to_f16(y[j]); })
WINIT_BLOCKS(truncnorm_bf16, uint16_t, 4, {
    float y[4]; winit_block_truncnorm_f32(w, &s->tf, y);
    for (int j = 0; j < 4; j++) o[4 * i + j] = winit_f32_to_bf16(y[j]); })

WINIT_BLOCKS(polar_f32, float, 4, { winit_block_polar_f32(w, &s->pf, o + 4 * i); })
WINIT_BLOCKS(polar_f64, double, 2, { winit_block_polar_f64(w, &s->pd, o + 2 * i); })

/* [dist][dtype], NULL where unsupported */
static const winit_blocks_fn WINIT_FN(winit_blocks_table)[WINIT_N_DIST][WINIT_N_DTYPE] = {
    [WINIT_DIST_BITS] = {[WINIT_DT_UINT32] = WINIT_FN(bits_u32)},
    [WINIT_DIST_UNIFORM] = {WINIT_FN(uniform_f32), WINIT_FN(uniform_f64), WINIT_FN(uniform_f16),
                            WINIT_FN(uniform_bf16), NULL},
    [WINIT_DIST_NORMAL] = {WINIT_FN(normal_f32), WINIT_FN(normal_f64), WINIT_FN(normal_f16),
                           WINIT_FN(normal_bf16), NULL},
    [WINIT_DIST_TRUNCNORM] = {WINIT_FN(truncnorm_f32), WINIT_FN(truncnorm_f64),
                              WINIT_FN(truncnorm_f16), WINIT_FN(truncnorm_bf16), NULL},
    [WINIT_DIST_POLAR] = {WINIT_FN(polar_f32), WINIT_FN(polar_f64), NULL, NULL, NULL},
};
