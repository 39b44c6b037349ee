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
