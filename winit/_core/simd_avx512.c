/* simd_avx512.c -- the avx512 level (AVX-512 F/BW/DQ/VL over the avx2 level's ISA).
 * The block fills of fill_blocks.h compiled for this ISA (gcc vectorises the header's
 * math with 512-bit vectors), over a hand-written Philox pass (simd_philox.h: 8 blocks
 * per vector, vpternlog for the three-way xor), the F16C conversion and non-temporal
 * stores -- as simd_avx2.c, one vector width up. */
#include "simd_level.h"

#if WINIT_X86_SIMD
#ifdef WINIT_EMULATE_AVX512 /* tests only: the intrinsics emulated in software, so the
                               level can be checked on a CPU without AVX-512
                               (tests/simd_emulate/) */
#include WINIT_EMULATE_AVX512
#else
#include <immintrin.h>
#endif
#include <stdint.h>
#include <string.h>
#include <math.h>

#if defined(__clang__)
#define WINIT_AVX512_ISA "avx,avx2,fma,f16c,bmi,bmi2,popcnt,avx512f,avx512bw,avx512dq,avx512vl"
#else /* without prefer-vector-width gcc vectorises with 256 bits */
#define WINIT_AVX512_ISA \
    "avx,avx2,fma,f16c,bmi,bmi2,popcnt,avx512f,avx512bw,avx512dq,avx512vl,prefer-vector-width=512"
#endif
WINIT_TARGET_BEGIN(WINIT_AVX512_ISA)
#include "fill.h"

typedef __m512i wv;
#define WV_LANES 8
static inline wv wv_set1(uint64_t x) { return _mm512_set1_epi64((long long)x); }
static inline wv wv_setr(const uint64_t *x) { return _mm512_loadu_si512((const void *)x); }
static inline wv wv_add(wv a, wv b) { return _mm512_add_epi64(a, b); }
static inline wv wv_mul(wv a, wv b) { return _mm512_mul_epu32(a, b); }
/* the high half into the low one by a 32-bit swap: vpshufd runs on port 5, where
 * vpsrlq zmm would share port 0 with the multiplies (Intel) */
static inline wv wv_hi(wv a) { return _mm512_shuffle_epi32(a, 0xB1); }
static inline wv wv_xor3(wv a, wv b, wv c) { return _mm512_ternarylogic_epi64(a, b, c, 0x96); }
static inline void wv_pin(wv *a, wv *b, wv *c, wv *d) {
#ifndef WINIT_EMULATE_AVX512
    __asm__("" : "+v"(*a), "+v"(*b), "+v"(*c), "+v"(*d));
#else
    (void)a; (void)b; (void)c; (void)d;
#endif
}
static inline void wv_store_pair(uint32_t *p, wv a, wv b) {
    _mm512_storeu_si512((void *)p, _mm512_mask_blend_epi32(0xAAAA, a, _mm512_slli_epi64(b, 32)));
}
static inline void wv_store_one(uint32_t *p, wv a) {
    _mm256_storeu_si256((__m256i *)p, _mm512_cvtepi64_epi32(a));
}
static inline void wv_store_nat(uint32_t *p, wv x0, wv x1, wv x2, wv x3) {
    /* lanes hold blocks (0, 4, 1, 5, 2, 6, 3, 7); unpack per 128-bit lane */
    const wv x01 = _mm512_mask_blend_epi32(0xAAAA, x0, _mm512_slli_epi64(x1, 32));
    const wv x23 = _mm512_mask_blend_epi32(0xAAAA, x2, _mm512_slli_epi64(x3, 32));
    _mm512_storeu_si512((void *)p, _mm512_unpacklo_epi64(x01, x23));        /* blocks 0..3 */
    _mm512_storeu_si512((void *)(p + 16), _mm512_unpackhi_epi64(x01, x23)); /* blocks 4..7 */
}

/* 4 groups of 8 blocks: 16 state registers of 32 */
#ifndef WINIT_PHILOX_GROUPS
#define WINIT_PHILOX_GROUPS 4
#endif

static inline void winit_stream_copy_avx512(void *dst, const void *src, size_t bytes) {
    unsigned char *d = (unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;
    size_t head = (size_t)(-(uintptr_t)d) & 63u;
    if (head > bytes) head = bytes;
    memcpy(d, s, head);
    d += head; s += head; bytes -= head;
    for (; bytes >= 64; bytes -= 64, d += 64, s += 64)
        _mm512_stream_si512((void *)d, _mm512_loadu_si512((const void *)s));
    memcpy(d, s, bytes);
}
#define WINIT_STREAM_COPY winit_stream_copy_avx512
#define WINIT_STREAM_FENCE(streaming) do { if (streaming) _mm_sfence(); } while (0)

static inline void winit_f16_convert_avx512(uint16_t *restrict o, const float *restrict y, size_t n) {
    const __m256i qnan = _mm256_set1_epi16(0x7e00), sign = _mm256_set1_epi16((short)0x8000);
    size_t k = 0;
    for (; k + 16 <= n; k += 16) {
        const __m512 x = _mm512_loadu_ps(y + k);
        __m256i h = _mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
        h = _mm256_mask_mov_epi16(h, nan, _mm256_or_si256(qnan, _mm256_and_si256(h, sign)));
        _mm256_storeu_si256((__m256i *)(o + k), h);
    }
    for (; k < n; k++) o[k] = winit_f32_to_f16(y[k]);
}
#define WINIT_F16_CONVERT winit_f16_convert_avx512

#define WINIT_SFX _avx512
#include "simd_philox.h"
#include "fill_blocks.h"
#include "simd_avx512_kernels.h" /* hand-written kernels for the hot (dist, dtype) pairs */

static winit_blocks_fn k512_table[WINIT_N_DIST][WINIT_N_DTYPE];
static int k512_ready;

/* fill.c first asks at load time (its constructor), before any thread exists */
const winit_blocks_fn (*winit_blocks_table_avx512_get(void))[WINIT_N_DTYPE] {
    if (!k512_ready) {
        k512_table_init(k512_table);
        k512_ready = 1;
    }
    return (const winit_blocks_fn (*)[WINIT_N_DTYPE])k512_table;
}
void winit_f16_convert_avx512_ext(uint16_t *o, const float *y, size_t n) { winit_f16_convert_avx512(o, y, n); }
WINIT_TARGET_END
#endif
