/* mca_avx512.c -- the loop bodies of the avx512 kernels between LLVM-MCA markers, for
 * static throughput estimates (docs/benchmarks.md). Not a test:
 *
 *   gcc -O3 -ffp-contract=off -fno-math-errno -fno-trapping-math -fopenmp \
 *       --param=max-completely-peeled-insns=1000 --param=max-peel-branches=128 \
 *       -Iwinit/_core/include -Iwinit/_core -S tests/simd_kernels/mca_avx512.c -o k.s
 *   llvm-mca-19 -mcpu=sapphirerapids -iterations=100 k.s   (znver4, znver5 likewise)
 * Each region's "Total Cycles" / 100 / its elements (below) = cycles per element. */
#include "simd_avx512.c"
WINIT_TARGET_BEGIN(WINIT_AVX512_ISA)
#define B(n) __asm__ volatile("# LLVM-MCA-BEGIN " #n ::: "memory")
#define E() __asm__ volatile("# LLVM-MCA-END" ::: "memory")

/* Philox alone: 4 * P16_BPI words per region */
void mca_philox(const winit_fill_spec *s, uint64_t b0, size_t nit, __m512i *out) {
    p16_keys K;
    p16_init(&K, s, P16_LANES_F32);
    for (size_t i = 0; i < nit; i++) {
        B(philox);
        __m512i w[P16_G][4];
        p16_iter(&K, b0 + i * P16_BPI, w);
        for (int g = 0; g < P16_G; g++)
            for (int j = 0; j < 4; j++) _mm512_storeu_si512(out + 4 * g + j, w[g][j]);
        E();
    }
}
/* element-wise fills: 4 * P16_BPI (float32) or 2 * P16_BPI (float64) elements */
#define LOOPF32(NAME, GRP)                                                                   \
    void mca_##NAME(const winit_fill_spec *s, uint64_t b0, size_t nit, float *o) {             \
        p16_keys K;                                                                            \
        p16_init(&K, s, P16_LANES_F32);                                                        \
        for (size_t i = 0; i < nit; i++) {                                                     \
            B(NAME);                                                                           \
            __m512i w[P16_G][4];                                                               \
            p16_iter(&K, b0 + i * P16_BPI, w);                                                 \
            for (int g = 0; g < P16_G; g++) {                                                  \
                __m512 y[4];                                                                   \
                GRP(&s->af, w[g], y);                                                          \
                emit_f32x4(o + i * 4 * P16_BPI + 64 * g, y, OUT_F32, 0);                        \
            }                                                                                  \
            E();                                                                               \
        }                                                                                      \
    }
LOOPF32(uniform_f32, grp_uniform_f32)
LOOPF32(normal_f32, grp_normal_f32)
#define LOOPF64(NAME, GRP)                                                                   \
    void mca_##NAME(const winit_fill_spec *s, uint64_t b0, size_t nit, double *o) {            \
        p16_keys K;                                                                            \
        p16_init(&K, s, P16_LANES_F64);                                                        \
        for (size_t i = 0; i < nit; i++) {                                                     \
            B(NAME);                                                                           \
            __m512i w[P16_G][4];                                                               \
            p16_iter(&K, b0 + i * P16_BPI, w);                                                 \
            for (int g = 0; g < P16_G; g++) {                                                  \
                __m512d a[2], b[2];                                                            \
                GRP(&s->ad, w[g], a, b);                                                       \
                emit_f64x4(o + i * 2 * P16_BPI + 32 * g, a, b, 0);                              \
            }                                                                                  \
            E();                                                                               \
        }                                                                                      \
    }
LOOPF64(uniform_f64, grp_uniform_f64)
LOOPF64(normal_f64, grp_normal_f64)

/* truncated normal, pass by pass, as tn_f32_vectors / tn_f64_vectors: 16 (float32) or
 * 8 (float64) lanes per region */
void mca_tn32(const winit_tn_f32 *t, const __m512i *W, size_t n, __m512 *Y, float *C, float *T,
              float *XC, float *XT, __mmask16 *lower, __mmask16 *tail) {
    size_t nt = 0, nc = 0;
    for (size_t k = 0; k < n; k++) {
        B(tn32_pass1);
        const __m512 u = v_u01_oo_f32(W[k]);
        const __m512 p = _mm512_fmadd_ps(u, F1(t->d), F1(t->pa));
        const __m512 q = _mm512_fmadd_ps(SUB(F1(1.0f), u), F1(t->d), F1(t->qb));
        lower[k] = _mm512_cmp_ps_mask(p, F1(0.5f), _CMP_LE_OQ);
        const __m512 pp = _mm512_mask_blend_ps(lower[k], q, p);
        tail[k] = _mm512_cmp_ps_mask(pp, F1(0.25f), _CMP_NGE_UQ);
        _mm512_storeu_ps(C + nc, _mm512_maskz_compress_ps((__mmask16)~tail[k], pp));
        _mm512_storeu_ps(T + nt, _mm512_maskz_compress_ps(tail[k], pp));
        nt += (size_t)__builtin_popcount(tail[k]);
        nc += 16 - (size_t)__builtin_popcount(tail[k]);
        E();
    }
    for (size_t k = 0; k < nc; k += 16) {
        B(tn32_central);
        _mm512_store_ps(XC + k, v_ndtri_central_f(_mm512_load_ps(C + k)));
        E();
    }
    for (size_t k = 0; k < nt; k += 16) {
        B(tn32_tail);
        _mm512_store_ps(XT + k, v_ndtri_tail_f(_mm512_load_ps(T + k)));
        E();
    }
    size_t pc = 0, pt = 0;
    for (size_t k = 0; k < n; k++) {
        B(tn32_pass3);
        __m512 x = _mm512_maskz_expandloadu_ps((__mmask16)~tail[k], XC + pc);
        x = _mm512_mask_expandloadu_ps(x, tail[k], XT + pt);
        pt += (size_t)__builtin_popcount(tail[k]);
        pc += 16 - (size_t)__builtin_popcount(tail[k]);
        Y[k] = v_tn_finish_f(x, lower[k], t);
        E();
    }
}
void mca_tn64(const winit_tn_f64 *t, const __m512i *W, size_t n, __m512d *Y, double *T,
              double *XT, __mmask8 *lower, __mmask8 *tail) {
    size_t nt = 0;
    for (size_t k = 0; k < n; k++) {
        B(tn64_pass1);
        const __m512d u = v_u01_oo_f64(W[k], W[k + 1], 0);
        const __m512d p = _mm512_fmadd_pd(u, D1(t->d), D1(t->pa));
        const __m512d q = _mm512_fmadd_pd(SUBD(D1(1.0), u), D1(t->d), D1(t->qb));
        lower[k] = _mm512_cmp_pd_mask(p, D1(0.5), _CMP_LE_OQ);
        const __m512d pp = _mm512_mask_blend_pd(lower[k], q, p);
        tail[k] = _mm512_cmp_pd_mask(pp, D1(0.075), _CMP_NGE_UQ);
        const __m512d tt = SUBD(pp, D1(0.5));
        const __m512d te = SUBD(pp, ADDD(tt, D1(0.5)));
        Y[k] = v_ndtri_central_d(tt, te);
        _mm512_storeu_pd(T + nt, _mm512_maskz_compress_pd(tail[k], pp));
        nt += (size_t)__builtin_popcount(tail[k]);
        E();
    }
    for (size_t k = 0; k < nt; k += 8) {
        B(tn64_tail);
        _mm512_store_pd(XT + k, v_ndtri_tail_d(_mm512_load_pd(T + k)));
        E();
    }
    size_t pos = 0;
    for (size_t k = 0; k < n; k++) {
        B(tn64_pass3);
        const __m512d x = _mm512_mask_expandloadu_pd(Y[k], tail[k], XT + pos);
        pos += (size_t)__builtin_popcount(tail[k]);
        Y[k] = v_tn_finish_d(x, lower[k], t);
        E();
    }
}
WINIT_TARGET_END
