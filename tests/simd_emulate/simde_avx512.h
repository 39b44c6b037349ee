/* simde_avx512.h -- the AVX-512 intrinsics of simd_avx512.c emulated by SIMDe
 * (https://github.com/simd-everywhere/simde, e.g. Debian's libsimde-dev), so that the
 * avx512 level's hand-written code (Philox pass, lane layouts, stores, float16
 * conversion) can be checked on a CPU without AVX-512. gcc's own AVX-512 code for
 * the header math is not exercised: that file is compiled for the host here.
 * Used as -DWINIT_EMULATE_AVX512='"simde_avx512.h"'. */
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#include <simde/x86/f16c.h>

/* what SIMDe 0.7 lacks */
typedef simde__mmask16 __mmask16;
#ifndef _MM_FROUND_NO_EXC
#define _MM_FROUND_NO_EXC SIMDE_MM_FROUND_NO_EXC
#endif
#ifndef _mm512_stream_si512
static inline void winit_emu_stream_si512(void *p, __m512i v) { _mm512_storeu_si512(p, v); }
#define _mm512_stream_si512 winit_emu_stream_si512
#endif
#ifndef _mm512_shuffle_epi32
#define _mm512_shuffle_epi32(a, imm)                                                 \
    _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_shuffle_epi32(                  \
                           _mm512_castsi512_si256(a), (imm))),                        \
                       _mm256_shuffle_epi32(_mm512_extracti64x4_epi64((a), 1), (imm)), 1)
#endif
#ifndef _mm512_cvtps_ph
#define _mm512_cvtps_ph(x, r)                                                     \
    _mm256_inserti128_si256(_mm256_castsi128_si256(_mm256_cvtps_ph(              \
                                _mm512_castps512_ps256(x), (r))),                 \
                            _mm256_cvtps_ph(_mm256_castpd_ps(_mm512_extractf64x4_pd(        \
                                _mm512_castps_pd(x), 1)), (r)), 1)
#endif

/* ---- for the hand-written kernels (winit/_core/simd_avx512_kernels.h): lane loops,
 * the instructions' semantics for the inputs those kernels give them ---- */
#include <math.h>
#include <string.h>
#ifndef _MM_PERM_CDAB
#define _MM_PERM_CDAB 0xB1
#endif
#ifndef __mmask8
typedef simde__mmask8 __mmask8;
#endif
#define WINIT_EMU_LANES(T, N, name, v) T name[N]; memcpy(name, &(v), sizeof name)
#define WINIT_EMU_RET(R, name) do { R r_; memcpy(&r_, name, sizeof r_); return r_; } while (0)
#ifndef _mm512_cmplt_epu32_mask
static inline __mmask16 winit_emu_cmplt_epu32_mask(__m512i a, __m512i b) {
    WINIT_EMU_LANES(uint32_t, 16, x, a); WINIT_EMU_LANES(uint32_t, 16, y, b);
    __mmask16 m = 0;
    for (int l = 0; l < 16; l++) m |= (__mmask16)((x[l] < y[l]) << l);
    return m;
}
#define _mm512_cmplt_epu32_mask winit_emu_cmplt_epu32_mask
#endif
#ifndef _mm512_cmpgt_epu32_mask
#define _mm512_cmpgt_epu32_mask(a, b) _mm512_cmplt_epu32_mask((b), (a))
#endif
#ifndef _mm512_cvtepi32_epi16
static inline __m256i winit_emu_cvtepi32_epi16(__m512i a) {
    WINIT_EMU_LANES(uint32_t, 16, x, a);
    uint16_t r[16];
    for (int l = 0; l < 16; l++) r[l] = (uint16_t)x[l];
    WINIT_EMU_RET(__m256i, r);
}
#define _mm512_cvtepi32_epi16 winit_emu_cvtepi32_epi16
#endif
#ifndef _mm512_cvtepi32_pd
static inline __m512d winit_emu_cvtepi32_pd(__m256i a) {
    WINIT_EMU_LANES(int32_t, 8, x, a);
    double r[8];
    for (int l = 0; l < 8; l++) r[l] = (double)x[l];
    WINIT_EMU_RET(__m512d, r);
}
#define _mm512_cvtepi32_pd winit_emu_cvtepi32_pd
#endif
#ifndef _mm512_cvtepi32_ps
static inline __m512 winit_emu_cvtepi32_ps(__m512i a) {
    WINIT_EMU_LANES(int32_t, 16, x, a);
    float r[16];
    for (int l = 0; l < 16; l++) r[l] = (float)x[l];
    WINIT_EMU_RET(__m512, r);
}
#define _mm512_cvtepi32_ps winit_emu_cvtepi32_ps
#endif
#ifndef _mm512_cvtpd_ps
static inline __m256 winit_emu_cvtpd_ps(__m512d a) {
    WINIT_EMU_LANES(double, 8, x, a);
    float r[8];
    for (int l = 0; l < 8; l++) r[l] = (float)x[l];
    WINIT_EMU_RET(__m256, r);
}
#define _mm512_cvtpd_ps winit_emu_cvtpd_ps
#endif
#ifndef _mm512_cvtps_pd
static inline __m512d winit_emu_cvtps_pd(__m256 a) {
    WINIT_EMU_LANES(float, 8, x, a);
    double r[8];
    for (int l = 0; l < 8; l++) r[l] = (double)x[l];
    WINIT_EMU_RET(__m512d, r);
}
#define _mm512_cvtps_pd winit_emu_cvtps_pd
#endif
#ifndef _mm512_extractf32x8_ps
#define _mm512_extractf32x8_ps(a, i) \
    _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), (i)))
#endif
#ifndef _mm512_insertf32x8
#define _mm512_insertf32x8(a, b, i) \
    _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(a), _mm256_castps_pd(b), (i)))
#endif
#ifndef _mm512_getexp_ps /* normal inputs: the unbiased exponent */
static inline __m512 winit_emu_getexp_ps(__m512 a) {
    WINIT_EMU_LANES(float, 16, x, a);
    for (int l = 0; l < 16; l++) x[l] = (float)ilogbf(x[l]);
    WINIT_EMU_RET(__m512, x);
}
#define _mm512_getexp_ps winit_emu_getexp_ps
#endif
#ifndef _mm512_getexp_pd
static inline __m512d winit_emu_getexp_pd(__m512d a) {
    WINIT_EMU_LANES(double, 8, x, a);
    for (int l = 0; l < 8; l++) x[l] = (double)ilogb(x[l]);
    WINIT_EMU_RET(__m512d, x);
}
#define _mm512_getexp_pd winit_emu_getexp_pd
#endif
#ifndef _mm512_mask_expandloadu_ps
static inline __m512 winit_emu_mask_expandloadu_ps(__m512 src, __mmask16 k, const void *p) {
    WINIT_EMU_LANES(float, 16, x, src);
    const float *q = (const float *)p;
    for (int l = 0; l < 16; l++) if (k >> l & 1) x[l] = *q++;
    WINIT_EMU_RET(__m512, x);
}
#define _mm512_mask_expandloadu_ps winit_emu_mask_expandloadu_ps
#endif
#ifndef _mm512_maskz_expandloadu_ps
#define _mm512_maskz_expandloadu_ps(k, p) _mm512_mask_expandloadu_ps(_mm512_setzero_ps(), (k), (p))
#endif
#ifndef _mm512_mask_expandloadu_pd
static inline __m512d winit_emu_mask_expandloadu_pd(__m512d src, __mmask8 k, const void *p) {
    WINIT_EMU_LANES(double, 8, x, src);
    const double *q = (const double *)p;
    for (int l = 0; l < 8; l++) if (k >> l & 1) x[l] = *q++;
    WINIT_EMU_RET(__m512d, x);
}
#define _mm512_mask_expandloadu_pd winit_emu_mask_expandloadu_pd
#endif
#ifndef _mm512_mask_shuffle_epi32
#define _mm512_mask_shuffle_epi32(src, k, a, imm) \
    _mm512_mask_mov_epi32((src), (k), _mm512_shuffle_epi32((a), (imm)))
#endif
#ifndef _mm512_stream_ps
#define _mm512_stream_ps(p, v) _mm512_storeu_ps((p), (v))
#endif
#ifndef _mm512_stream_pd
#define _mm512_stream_pd(p, v) _mm512_storeu_pd((p), (v))
#endif
/* SIMDe's portable fmadd rounds twice (a * b + c): the kernels need the fused one */
static inline __m512 winit_emu_fmadd_ps(__m512 a, __m512 b, __m512 c) {
    WINIT_EMU_LANES(float, 16, x, a); WINIT_EMU_LANES(float, 16, y, b); WINIT_EMU_LANES(float, 16, z, c);
    for (int l = 0; l < 16; l++) x[l] = fmaf(x[l], y[l], z[l]);
    WINIT_EMU_RET(__m512, x);
}
static inline __m512d winit_emu_fmadd_pd(__m512d a, __m512d b, __m512d c) {
    WINIT_EMU_LANES(double, 8, x, a); WINIT_EMU_LANES(double, 8, y, b); WINIT_EMU_LANES(double, 8, z, c);
    for (int l = 0; l < 8; l++) x[l] = fma(x[l], y[l], z[l]);
    WINIT_EMU_RET(__m512d, x);
}
#undef _mm512_fmadd_ps
#undef _mm512_fmadd_pd
#define _mm512_fmadd_ps winit_emu_fmadd_ps
#define _mm512_fmadd_pd winit_emu_fmadd_pd
