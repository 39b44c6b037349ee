/* simd_avx2.c -- the avx2 level (AVX2, FMA, F16C, BMI1/2: x86-64-v3 less MOVBE/LZCNT).
 * The block fills of fill_blocks.h compiled for this ISA, so gcc vectorises the
 * header's math with 256-bit vectors and inline FMA -- the same source and the same
 * IEEE operations as the portable level, hence the same bits -- over
 *   - a hand-written Philox pass (simd_philox.h),
 *   - the float32 -> float16 conversion by F16C (round to nearest even, as the
 *     header's; NaNs mapped to the header's quiet NaN),
 *   - non-temporal stores for large outputs. */
#include "simd_level.h"

#if WINIT_X86_SIMD
#include <immintrin.h>
#include <stdint.h>
#include <string.h>
#include <math.h>

WINIT_TARGET_BEGIN("avx,avx2,fma,f16c,bmi,bmi2,popcnt")
#include "fill.h"

typedef __m256i wv;
#define WV_LANES 4
static inline wv wv_set1(uint64_t x) { return _mm256_set1_epi64x((long long)x); }
static inline wv wv_setr(const uint64_t *x) { return _mm256_loadu_si256((const __m256i *)x); }
static inline wv wv_add(wv a, wv b) { return _mm256_add_epi64(a, b); }
static inline wv wv_mul(wv a, wv b) { return _mm256_mul_epu32(a, b); }
/* the high half into the low one by a 32-bit swap (vpshufd): a shuffle-port op on Intel,
 * next to the multiplies and shifts' ports (neutral on Zen 3: measured) */
static inline wv wv_hi(wv a) { return _mm256_shuffle_epi32(a, 0xB1); }
static inline wv wv_xor3(wv a, wv b, wv c) {
    wv t = _mm256_xor_si256(b, c);
    __asm__("" : "+x"(t)); /* b ^ c off the multiply's chain: gcc would reassociate */
    return _mm256_xor_si256(a, t);
}
static inline void wv_pin(wv *a, wv *b, wv *c, wv *d) {
    __asm__("" : "+x"(*a), "+x"(*b), "+x"(*c), "+x"(*d));
}
static inline void wv_store_pair(uint32_t *p, wv a, wv b) {
    _mm256_storeu_si256((__m256i *)p, _mm256_blend_epi32(a, _mm256_slli_epi64(b, 32), 0xAA));
}
static inline void wv_store_one(uint32_t *p, wv a) {
    const __m256i idx = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    _mm_storeu_si128((__m128i *)p, _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(a, idx)));
}
static inline void wv_store_nat(uint32_t *p, wv x0, wv x1, wv x2, wv x3) {
    /* lanes hold blocks (0, 2, 1, 3): [0.0 0.1 2.0 2.1 | 1.0 1.1 3.0 3.1] and [.2 .3] */
    const wv x01 = _mm256_blend_epi32(x0, _mm256_slli_epi64(x1, 32), 0xAA);
    const wv x23 = _mm256_blend_epi32(x2, _mm256_slli_epi64(x3, 32), 0xAA);
    _mm256_storeu_si256((__m256i *)p, _mm256_unpacklo_epi64(x01, x23));       /* blocks 0, 1 */
    _mm256_storeu_si256((__m256i *)(p + 8), _mm256_unpackhi_epi64(x01, x23)); /* blocks 2, 3 */
}

/* 3 groups of 4 blocks: 12 state registers of 16, no spills, enough to cover the
 * 5-cycle multiply -> shift -> xor chain (Zen 3: 3 and 4 tie, 2 is 13% slower) */
#ifndef WINIT_PHILOX_GROUPS
#define WINIT_PHILOX_GROUPS 3
#endif

/* non-temporal copy of an L1 stage to the output (any alignment) */
static inline void winit_stream_copy_avx2(void *dst, const void *src, size_t bytes) {
    unsigned char *d = (unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;
    size_t head = (size_t)(-(uintptr_t)d) & 31u;
    if (head > bytes) head = bytes;
    memcpy(d, s, head);
    d += head; s += head; bytes -= head;
    for (; bytes >= 64; bytes -= 64, d += 64, s += 64) {
        _mm256_stream_si256((__m256i *)d, _mm256_loadu_si256((const __m256i *)s));
        _mm256_stream_si256((__m256i *)(d + 32), _mm256_loadu_si256((const __m256i *)(s + 32)));
    }
    if (bytes >= 32) {
        _mm256_stream_si256((__m256i *)d, _mm256_loadu_si256((const __m256i *)s));
        d += 32; s += 32; bytes -= 32;
    }
    memcpy(d, s, bytes);
}
#define WINIT_STREAM_COPY winit_stream_copy_avx2
#define WINIT_STREAM_FENCE(streaming) do { if (streaming) _mm_sfence(); } while (0)

/* F16C: IEEE float32 -> float16, round to nearest even; a NaN becomes the header's
 * (sign | 0x7e00), so the bits equal winit_f32_to_f16 for every input. */
static inline void winit_f16_convert_avx2(uint16_t *restrict o, const float *restrict y, size_t n) {
    const __m256i qnan = _mm256_set1_epi32(0x7e00), sign = _mm256_set1_epi32(0x8000);
    size_t k = 0;
    for (; k + 8 <= n; k += 8) {
        const __m256 x = _mm256_loadu_ps(y + k);
        __m256i h = _mm256_cvtepu16_epi32(_mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        const __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(x, x, _CMP_UNORD_Q));
        h = _mm256_blendv_epi8(h, _mm256_or_si256(qnan, _mm256_and_si256(h, sign)), nan);
        const __m128i p = _mm_packus_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
        _mm_storeu_si128((__m128i *)(o + k), p);
    }
    for (; k < n; k++) o[k] = winit_f32_to_f16(y[k]);
}
#define WINIT_F16_CONVERT winit_f16_convert_avx2

#define WINIT_SFX _avx2
#include "simd_philox.h"
#include "fill_blocks.h"

const winit_blocks_fn (*winit_blocks_table_avx2_get(void))[WINIT_N_DTYPE] {
    return winit_blocks_table_avx2;
}
void winit_f16_convert_avx2_ext(uint16_t *o, const float *y, size_t n) { winit_f16_convert_avx2(o, y, n); }
WINIT_TARGET_END
#endif
