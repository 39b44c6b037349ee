/* simd_avx512_kernels.h -- hand-written AVX-512 block fills (included by simd_avx512.c,
 * inside its target pragma, after fill_blocks.h). They replace the gcc-vectorised
 * fills of fill_blocks.h for the hot (dist, dtype) pairs; the rest stay as they are.
 *
 * Bits: every float operation below is the header's (element.h, transforms.h,
 * mathfn.h), in the header's order, with fma exactly where the header calls
 * fmaf / fma; selects and bit tricks are the header's too. The few places where an
 * instruction replaces a header expression with an exactly equal value are marked
 * EXACT and say why (e.g. vgetexpps for an integer exponent). tests/simd_kernels/
 * checks every kernel against the scalar header bit for bit (all 2^24 Box-Muller
 * uniforms, all 2^23 truncated-normal uniforms per mode, random keys / streams /
 * counters near 2^32 / lengths).
 *
 * Shape of a fill (no word-major transposes on the hot path):
 *   1. Philox4x32-10 on 16 x 32-bit lanes, P16_G independent groups of 16 blocks in
 *      flight (the multiply -> shuffle -> xor chain is ~8 cycles, a group's round ~3
 *      cycles of issue); word j of the group's 16 blocks is one vector.
 *   2. The float math on whole vectors: a lane is a block, the four word vectors are
 *      the block's four elements (float32 family) or two pairs (float64).
 *   3. Stores straight to the output, after one in-lane unpack transpose: the lanes
 *      are assigned to blocks so that unpcklps/unpcklpd leave the elements in natural
 *      order (P16_LANES_*).
 * Truncated normal computes its inverse-CDF tail (float64 for float32 output; two
 * logs, divisions, square roots) only for the lanes that need it: their arguments
 * are compressed into a queue, run at full width, and expanded back (vpexpand), so
 * every tail vector is full. */

/* ------------------------------------------------------------------ Philox, 16 lanes */

#define P16_G 4                 /* groups of 16 blocks per iteration: 16 state registers */
#define P16_BPI (16 * P16_G)    /* blocks per iteration */

/* Lane l of a group holds block P16_LANE(l) of the group's 16:
 *   float32 family: l = 4q + j holds block 4j + q (unpack of 4 vectors -> blocks 0..15)
 *   float64:        l = 8h + m holds block 8h + 4(m & 1) + m / 2 (unpack of 2 vectors
 *                   of 8 doubles per half) */
enum { P16_LANES_F32 = 0, P16_LANES_F64 = 1 };

typedef struct {
    uint32_t k[10][2];          /* round keys (broadcast from memory in the rounds) */
    __m512i c2, c3;             /* the stream words of the counter */
    __m512i off[P16_G];         /* each lane's block offset in the iteration */
} p16_keys;

static inline void p16_init(p16_keys *K, const winit_fill_spec *s, int lanes) {
    winit_u32x2 k;
    k.v[0] = s->k0;
    k.v[1] = s->k1;
    for (int r = 0; r < 10; r++) { /* the key schedule of winit_philox4x32_10 */
        if (r) k = winit_philox4x32_bumpkey(k);
        K->k[r][0] = k.v[0];
        K->k[r][1] = k.v[1];
    }
    const winit_u32x4 cs = winit_counter(0, s->stream);
    K->c2 = _mm512_set1_epi32((int)cs.v[2]);
    K->c3 = _mm512_set1_epi32((int)cs.v[3]);
    for (int g = 0; g < P16_G; g++) {
        uint32_t o[16];
        for (int l = 0; l < 16; l++)
            o[l] = 16u * g + (lanes == P16_LANES_F32 ? 4u * (l & 3) + (l >> 2)
                                                      : (l & 8) + 4u * (l & 1) + ((l & 7) >> 1));
        K->off[g] = _mm512_loadu_si512((const void *)o);
    }
}

/* MULHILO of philox.h on 16 lanes: vpmuludq multiplies the even 32-bit lanes; the odd
 * ones are swapped down (vpshufd: port 5 on Intel, where vpsrlq would share port 0
 * with vpmuludq zmm) and multiplied too; one masked vpshufd each gathers the 16 low
 * and the 16 high halves. (A round on 64-bit lanes, one word per lane as in
 * simd_philox.h, has the same 12 vector instructions per 16 blocks and no register
 * copies, but measured slower here: half the groups in flight for the same registers.) */
#define P16_MULHILO(m, x, lo, hi)                                                  \
    do {                                                                           \
        const __m512i m_ = _mm512_set1_epi32((int)(m));                             \
        const __m512i e_ = _mm512_mul_epu32((x), m_);                               \
        const __m512i o_ = _mm512_mul_epu32(_mm512_shuffle_epi32((x), _MM_PERM_CDAB), m_); \
        (lo) = _mm512_mask_shuffle_epi32(e_, 0xAAAA, o_, _MM_PERM_CDAB);            \
        (hi) = _mm512_mask_shuffle_epi32(o_, 0x5555, e_, _MM_PERM_CDAB);            \
    } while (0)
#define P16_XOR3(a, b, c) _mm512_ternarylogic_epi32((a), (b), (c), 0x96)

static inline void p16_pin(__m512i *a, __m512i *b, __m512i *c, __m512i *d) {
#ifndef WINIT_EMULATE_AVX512 /* keep gcc from interleaving the groups' rounds into spills */
    __asm__("" : "+v"(*a), "+v"(*b), "+v"(*c), "+v"(*d));
#else
    (void)a; (void)b; (void)c; (void)d;
#endif
}

/* Philox4x32-10 of the P16_BPI blocks b, b + 1, ...: w[g][j] = word j, lanes as in
 * K->off. The counter is element.h's: (block mod 2^32, block div 2^32, stream). */
static inline void p16_iter(const p16_keys *K, uint64_t b, __m512i w[P16_G][4]) {
    const __m512i lo = _mm512_set1_epi32((int)(uint32_t)b);
    const __m512i hi = _mm512_set1_epi32((int)(uint32_t)(b >> 32));
    const __m512i one = _mm512_set1_epi32(1);
    __m512i x0[P16_G], x1[P16_G], x2[P16_G], x3[P16_G];
#pragma GCC unroll 8
    for (int g = 0; g < P16_G; g++) {
        x0[g] = _mm512_add_epi32(lo, K->off[g]);
        x1[g] = _mm512_mask_add_epi32(hi, _mm512_cmplt_epu32_mask(x0[g], K->off[g]), hi, one);
        x2[g] = K->c2;
        x3[g] = K->c3;
    }
#pragma GCC unroll 10
    for (int r = 0; r < 10; r++) {
        const __m512i k0 = _mm512_set1_epi32((int)K->k[r][0]);
        const __m512i k1 = _mm512_set1_epi32((int)K->k[r][1]);
#pragma GCC unroll 8
        for (int g = 0; g < P16_G; g++) {
            WINIT_PHILOX_ROUND_LANES(__m512i, x0[g], x1[g], x2[g], x3[g], k0, k1, P16_MULHILO,
                                     P16_XOR3);
            p16_pin(&x0[g], &x1[g], &x2[g], &x3[g]);
        }
    }
#pragma GCC unroll 8
    for (int g = 0; g < P16_G; g++) {
        w[g][0] = x0[g];
        w[g][1] = x1[g];
        w[g][2] = x2[g];
        w[g][3] = x3[g];
    }
}

/* ------------------------------------------------------------------ helpers */

#define F1(x) _mm512_set1_ps(x)
#define D1(x) _mm512_set1_pd(x)
#define I1(x) _mm512_set1_epi32((int)(x))
#define L1(x) _mm512_set1_epi64((long long)(x))
#define ADD _mm512_add_ps
#define SUB _mm512_sub_ps
#define MUL _mm512_mul_ps
#define ADDD _mm512_add_pd
#define SUBD _mm512_sub_pd
#define MULD _mm512_mul_pd
#define BITS_F(v) _mm512_castsi512_ps(v)
#define BITS_I(v) _mm512_castps_si512(v)
#define BITS_D(v) _mm512_castsi512_pd(v)
#define BITS_L(v) _mm512_castpd_si512(v)

/* a ^ (b & c), bitwise (vpternlog) */
#define XOR_AND(a, b, c) _mm512_ternarylogic_epi32((a), (b), (c), 0x78)

/* transforms.h uniforms on 16 words (int32 casts: the shifted words fit) */
static inline __m512 v_u01_co_f32(__m512i w) {
    return MUL(_mm512_cvtepi32_ps(_mm512_srli_epi32(w, 8)), F1(WINIT_P2M24F));
}
static inline __m512 v_u01_oc_f32(__m512i w) { return ADD(v_u01_co_f32(w), F1(WINIT_P2M24F)); }
static inline __m512 v_u01_oo_f32(__m512i w) {
    return ADD(MUL(_mm512_cvtepi32_ps(_mm512_srli_epi32(w, 9)), F1(WINIT_P2M23F)), F1(WINIT_P2M24F));
}
/* float64 uniforms from the low (h = 0) or high (h = 1) 8 lanes of two word vectors */
static inline __m512d v_i32_pd(__m512i v, int h) {
    return _mm512_cvtepi32_pd(h ? _mm512_extracti64x4_epi64(v, 1) : _mm512_castsi512_si256(v));
}
static inline __m512d v_u01_co_f64(__m512i lo, __m512i hi, int h) {
    return ADDD(MULD(v_i32_pd(_mm512_srli_epi32(hi, 10), h), D1(WINIT_P2M22)),
                MULD(v_i32_pd(_mm512_srli_epi32(lo, 1), h), D1(WINIT_P2M53)));
}
static inline __m512d v_u01_oc_f64(__m512i lo, __m512i hi, int h) {
    return ADDD(v_u01_co_f64(lo, hi, h), D1(WINIT_P2M53));
}
static inline __m512d v_u01_oo_f64(__m512i lo, __m512i hi, int h) {
    return ADDD(ADDD(MULD(v_i32_pd(_mm512_srli_epi32(hi, 10), h), D1(WINIT_P2M22)),
                     MULD(v_i32_pd(_mm512_srli_epi32(lo, 2), h), D1(WINIT_P2M52))),
                D1(WINIT_P2M53));
}

/* ------------------------------------------------------------------ float32 math */

/* winit__logf_hl for x > 0 finite, x <= 1 (every use here). maybe_sub = 0 where x is
 * known normal (the Box-Muller radius: x >= 2^-24), dropping the header's
 * subnormal rescale, which is then the identity. */
static inline __m512 v_logf_hl(__m512 x, __m512 *lo, int maybe_sub) {
    const __m512 ln2_hi = F1(0.693145751953125f), ln2_lo = F1(1.428606765330187e-06f);
    __m512 xs = x;
    __mmask16 sub = 0;
    if (maybe_sub) {
        sub = _mm512_cmp_ps_mask(x, F1(1.17549435e-38f), _CMP_LT_OQ);
        xs = _mm512_mask_mul_ps(x, sub, x, F1(8388608.0f));
    }
    const __m512i u = _mm512_add_epi32(BITS_I(xs), I1(0x3f800000u - 0x3f3504f3u));
    /* EXACT: e = (u >> 23) - 127 is the exponent of the float with bits u (a positive
     * normal float for 0 < xs <= 1), which vgetexpps returns */
    __m512 e = _mm512_getexp_ps(BITS_F(u));
    if (maybe_sub) e = _mm512_mask_sub_ps(e, sub, e, F1(23.0f)); /* (u >> 23) - 150: exact */
    const __m512 f = SUB(BITS_F(_mm512_add_epi32(_mm512_and_si512(u, I1(0x7fffffu)), I1(0x3f3504f3u))),
                         F1(1.0f));
    __m512 P = ADD(F1(0.12761928141117096f), MUL(f, F1(-0.07635889947414398f)));
    P = ADD(F1(-0.13159672915935516f), MUL(f, P));
    P = ADD(F1(0.1420162171125412f), MUL(f, P));
    P = ADD(F1(-0.1662340760231018f), MUL(f, P));
    P = ADD(F1(0.20001240074634552f), MUL(f, P));
    P = ADD(F1(-0.2500081956386566f), MUL(f, P));
    P = ADD(F1(0.3333333134651184f), MUL(f, P));
    const __m512 c = MUL(MUL(f, f), ADD(F1(-0.5f), MUL(f, P)));
    const __m512 h1 = MUL(e, ln2_hi);
    const __m512 s = ADD(h1, f);
    const __m512 rest = ADD(ADD(SUB(h1, s), f), ADD(MUL(e, ln2_lo), c));
    const __m512 h = ADD(s, rest);
    if (lo) *lo = SUB(rest, SUB(h, s));
    return h;
}

/* winit_sincos2pif, u in [0, 1) */
static inline void v_sincos2pif(__m512 u, __m512 *s, __m512 *c) {
    const __m512 kt = ADD(MUL(u, F1(4.0f)), F1(12582912.0f));
    const __m512i q = BITS_I(kt);
    const __m512 r = SUB(u, MUL(F1(0.25f), SUB(kt, F1(12582912.0f))));
    const __m512 x = MUL(r, r);
    __m512 ps = ADD(F1(81.59030151367188f), MUL(x, F1(-75.31172180175781f)));
    ps = ADD(F1(-41.34164810180664f), MUL(x, ps));
    ps = ADD(F1(0.28318527340888977f), MUL(x, ps));
    const __m512 sn = ADD(MUL(F1(6.0f), r), MUL(r, ps));
    __m512 pc = ADD(F1(-85.4244155883789f), MUL(x, F1(58.61138916015625f)));
    pc = ADD(F1(64.93914794921875f), MUL(x, pc));
    pc = ADD(F1(-19.739208221435547f), MUL(x, pc));
    const __m512 cs = ADD(F1(1.0f), MUL(x, pc));
    const __mmask16 swap = _mm512_test_epi32_mask(q, I1(1));
    const __m512i sb = BITS_I(_mm512_mask_blend_ps(swap, sn, cs));
    const __m512i cb = BITS_I(_mm512_mask_blend_ps(swap, cs, sn));
    const __m512i sgn = I1(0x80000000u);
    *s = ADD(BITS_F(XOR_AND(sb, _mm512_slli_epi32(q, 30), sgn)), F1(0.0f));
    *c = ADD(BITS_F(XOR_AND(cb, _mm512_slli_epi32(_mm512_add_epi32(q, I1(1)), 30), sgn)), F1(0.0f));
}

/* winit_box_muller_f32: z0 = r cos, z1 = r sin */
static inline void v_box_muller_f32(__m512 ur, __m512 ut, __m512 *z0, __m512 *z1) {
    const __m512 r = _mm512_sqrt_ps(MUL(F1(-2.0f), v_logf_hl(ur, NULL, 0)));
    __m512 s, c;
    v_sincos2pif(ut, &s, &c);
    *z0 = MUL(r, c);
    *z1 = MUL(r, s);
}

/* ------------------------------------------------------------------ float64 math */

/* winit__log_hl for x > 0 finite, x <= 2^1000 (every use here); maybe_sub as above */
static inline __m512d v_log_hl(__m512d x, __m512d *lo, int maybe_sub) {
    const __m512d ln2_hi = D1(0.6931471806019545), ln2_lo = D1(-4.2009150726810846e-11);
    __m512d xs = x;
    __mmask8 sub = 0;
    if (maybe_sub) {
        sub = _mm512_cmp_pd_mask(x, D1(2.2250738585072014e-308), _CMP_LT_OQ);
        xs = _mm512_mask_mul_pd(x, sub, x, D1(18014398509481984.0));
    }
    const __m512i u = _mm512_add_epi64(BITS_L(xs), L1(0x3ff0000000000000ull - 0x3fe6a09e667f3bcdull));
    /* EXACT: the header's e = (u >> 52) - 1023 (2^52 trick), the exponent of the
     * double with bits u (positive, normal), which vgetexppd returns */
    __m512d e = _mm512_getexp_pd(BITS_D(u));
    if (maybe_sub) e = _mm512_mask_sub_pd(e, sub, e, D1(54.0)); /* (u >> 52) - 1077 */
    const __m512d f = SUBD(BITS_D(_mm512_add_epi64(_mm512_and_si512(u, L1(0x000fffffffffffffull)),
                                                    L1(0x3fe6a09e667f3bcdull))),
                           D1(1.0));
    const __m512d s = _mm512_div_pd(f, ADDD(D1(2.0), f));
    const __m512d z = MULD(s, s);
    __m512d R = ADDD(D1(0.15314093629156453), MULD(z, D1(0.14795547993173871)));
    R = ADDD(D1(0.18183562499014813), MULD(z, R));
    R = ADDD(D1(0.22222198611900595), MULD(z, R));
    R = ADDD(D1(0.28571428741964067), MULD(z, R));
    R = ADDD(D1(0.3999999999941687), MULD(z, R));
    R = ADDD(D1(0.6666666666666734), MULD(z, R));
    R = MULD(z, R);
    const __m512d hf = MULD(MULD(D1(0.5), f), f);
    const __m512d c = SUBD(MULD(s, ADDD(hf, R)), hf);
    const __m512d h1 = MULD(e, ln2_hi);
    const __m512d sm = ADDD(h1, f);
    const __m512d rest = ADDD(ADDD(SUBD(h1, sm), f), ADDD(MULD(e, ln2_lo), c));
    const __m512d h = ADDD(sm, rest);
    if (lo) *lo = SUBD(rest, SUBD(h, sm));
    return h;
}

/* winit_sincos2pi, u in [0, 1) */
static inline void v_sincos2pi(__m512d u, __m512d *s, __m512d *c) {
    const __m512d kt = ADDD(MULD(u, D1(4.0)), D1(6755399441055744.0));
    const __m512i q = BITS_L(kt);
    const __m512d r = SUBD(u, MULD(D1(0.25), SUBD(kt, D1(6755399441055744.0))));
    const __m512d x = MULD(r, r);
    __m512d ps = ADDD(D1(-15.093794429501886), MULD(x, D1(3.7806650854661545)));
    ps = ADDD(D1(42.058684842714726), MULD(x, ps));
    ps = ADDD(D1(-76.70585970276923), MULD(x, ps));
    ps = ADDD(D1(81.6052492759421), MULD(x, ps));
    ps = ADDD(D1(-41.34170224039963), MULD(x, ps));
    ps = ADDD(D1(0.28318530717958645), MULD(x, ps));
    const __m512d sn = ADDD(MULD(D1(6.0), r), MULD(r, ps));
    __m512d pc = ADDD(D1(7.902629496632622), MULD(x, D1(-1.6883034496553047)));
    pc = ADDD(D1(-26.426241135750406), MULD(x, pc));
    pc = ADDD(D1(60.24464122725731), MULD(x, pc));
    pc = ADDD(D1(-85.4568172059893), MULD(x, pc));
    pc = ADDD(D1(64.93939402266668), MULD(x, pc));
    pc = ADDD(D1(-19.739208802178716), MULD(x, pc));
    const __m512d cs = ADDD(D1(1.0), MULD(x, pc));
    const __mmask8 swap = _mm512_test_epi64_mask(q, L1(1));
    const __m512i sb = BITS_L(_mm512_mask_blend_pd(swap, sn, cs));
    const __m512i cb = BITS_L(_mm512_mask_blend_pd(swap, cs, sn));
    const __m512i sgn = L1(0x8000000000000000ull);
    *s = ADDD(BITS_D(XOR_AND(sb, _mm512_slli_epi64(q, 62), sgn)), D1(0.0));
    *c = ADDD(BITS_D(XOR_AND(cb, _mm512_slli_epi64(_mm512_add_epi64(q, L1(1)), 62), sgn)), D1(0.0));
}

static inline void v_box_muller_f64(__m512d ur, __m512d ut, __m512d *z0, __m512d *z1) {
    const __m512d r = _mm512_sqrt_pd(MULD(D1(-2.0), v_log_hl(ur, NULL, 0)));
    __m512d s, c;
    v_sincos2pi(ut, &s, &c);
    *z0 = MULD(r, c);
    *z1 = MULD(r, s);
}

/* ------------------------------------------------------------------ stores */

enum { OUT_F32 = 0, OUT_F16 = 1, OUT_BF16 = 2 };

/* float32 -> float16 bits (F16C, round to nearest even; NaN -> the header's quiet NaN) */
static inline __m256i v_f16(__m512 x) {
    __m256i h = _mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    return _mm256_mask_mov_epi16(h, nan, _mm256_or_si256(_mm256_set1_epi16(0x7e00),
                                                         _mm256_and_si256(h, _mm256_set1_epi16((short)0x8000))));
}
/* winit_f32_to_bf16 on 16 lanes */
static inline __m256i v_bf16(__m512 x) {
    const __m512i u = BITS_I(x);
    const __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, I1(0x7fffffffu)), I1(0x7f800000u));
    __m512i r = _mm512_add_epi32(_mm512_add_epi32(u, I1(0x7fffu)),
                                 _mm512_and_si512(_mm512_srli_epi32(u, 16), I1(1)));
    r = _mm512_mask_mov_epi32(r, nan, _mm512_or_si512(u, I1(0x400000u)));
    return _mm512_cvtepi32_epi16(_mm512_srli_epi32(r, 16));
}

/* One group's four element vectors (lane layout P16_LANES_F32: y[j] lane 4q + i is
 * element j of block 4i + q) -> 64 elements in natural order at o. */
static inline void emit_f32x4(void *o, const __m512 y[4], int kind, int nt) {
    const __m512 ab_lo = _mm512_unpacklo_ps(y[0], y[1]), ab_hi = _mm512_unpackhi_ps(y[0], y[1]);
    const __m512 cd_lo = _mm512_unpacklo_ps(y[2], y[3]), cd_hi = _mm512_unpackhi_ps(y[2], y[3]);
    __m512 v[4];
    v[0] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(ab_lo), _mm512_castps_pd(cd_lo)));
    v[1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(ab_lo), _mm512_castps_pd(cd_lo)));
    v[2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(ab_hi), _mm512_castps_pd(cd_hi)));
    v[3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(ab_hi), _mm512_castps_pd(cd_hi)));
    for (int k = 0; k < 4; k++) {
        if (kind == OUT_F32) {
            if (nt) _mm512_stream_ps((float *)o + 16 * k, v[k]);
            else _mm512_storeu_ps((float *)o + 16 * k, v[k]);
        } else {
            _mm256_storeu_si256((__m256i *)((uint16_t *)o + 16 * k),
                                kind == OUT_F16 ? v_f16(v[k]) : v_bf16(v[k]));
        }
    }
}

/* One group's float64 elements (lane layout P16_LANES_F64: a[h] lane m is element 0 of
 * block 8h + 4(m & 1) + m / 2, b[h] element 1) -> 32 doubles in natural order at o. */
static inline void emit_f64x4(double *o, const __m512d a[2], const __m512d b[2], int nt) {
    for (int h = 0; h < 2; h++) {
        const __m512d v0 = _mm512_unpacklo_pd(a[h], b[h]), v1 = _mm512_unpackhi_pd(a[h], b[h]);
        if (nt) {
            _mm512_stream_pd(o + 16 * h, v0);
            _mm512_stream_pd(o + 16 * h + 8, v1);
        } else {
            _mm512_storeu_pd(o + 16 * h, v0);
            _mm512_storeu_pd(o + 16 * h + 8, v1);
        }
    }
}

/* ------------------------------------------------------------------ element-wise fills */

/* The group functions: a group's words -> its elements (in the lane layout). */
static inline void grp_bits(const void *P, const __m512i w[4], __m512 y[4]) {
    (void)P;
    for (int j = 0; j < 4; j++) y[j] = BITS_F(w[j]);
}
static inline void grp_uniform_f32(const void *P, const __m512i w[4], __m512 y[4]) {
    const winit_uniform_f32 *a = (const winit_uniform_f32 *)P;
    /* EXACT: max(lo, v) / min(hi, v) with those operand orders are the header's
     * v < lo ? lo : v and v > hi ? hi : v (signed zeros included) */
    for (int j = 0; j < 4; j++)
        y[j] = _mm512_min_ps(F1(a->hi), _mm512_max_ps(F1(a->lo), _mm512_fmadd_ps(
            v_u01_co_f32(w[j]), F1(a->scale), F1(a->loc))));
}
static inline void grp_normal_f32(const void *P, const __m512i w[4], __m512 y[4]) {
    const winit_affine_f32 *a = (const winit_affine_f32 *)P;
    __m512 z[4];
    v_box_muller_f32(v_u01_oc_f32(w[0]), v_u01_co_f32(w[1]), &z[0], &z[1]);
    v_box_muller_f32(v_u01_oc_f32(w[2]), v_u01_co_f32(w[3]), &z[2], &z[3]);
    for (int j = 0; j < 4; j++) y[j] = _mm512_fmadd_ps(z[j], F1(a->scale), F1(a->loc));
}
static inline void grp_uniform_f64(const void *P, const __m512i w[4], __m512d a[2], __m512d b[2]) {
    const winit_uniform_f64 *af = (const winit_uniform_f64 *)P;
    const __m512d lo = D1(af->lo), hi = D1(af->hi);
    for (int h = 0; h < 2; h++) { /* EXACT: as grp_uniform_f32's clamp */
        a[h] = _mm512_min_pd(hi, _mm512_max_pd(lo, _mm512_fmadd_pd(v_u01_co_f64(w[0], w[1], h),
                                                                   D1(af->scale), D1(af->loc))));
        b[h] = _mm512_min_pd(hi, _mm512_max_pd(lo, _mm512_fmadd_pd(v_u01_co_f64(w[2], w[3], h),
                                                                   D1(af->scale), D1(af->loc))));
    }
}
static inline void grp_normal_f64(const void *P, const __m512i w[4], __m512d a[2], __m512d b[2]) {
    const winit_affine_f64 *af = (const winit_affine_f64 *)P;
    for (int h = 0; h < 2; h++) {
        __m512d z0, z1;
        v_box_muller_f64(v_u01_oc_f64(w[0], w[1], h), v_u01_co_f64(w[2], w[3], h), &z0, &z1);
        a[h] = _mm512_fmadd_pd(z0, D1(af->scale), D1(af->loc));
        b[h] = _mm512_fmadd_pd(z1, D1(af->scale), D1(af->loc));
    }
}

/* The fill loop of an element-wise float32-family kernel: Philox iterations of P16_BPI
 * blocks, each group's math, stores; a last partial iteration through a stage. Output
 * of 4-byte elements streams (non-temporal stores) where fill.c asks. */
static inline void fill_f32_family(const winit_fill_spec *s, const void *P, uint64_t b0,
                                   size_t nb, void *out, unsigned flags, int kind,
                                   void (*grp)(const void *, const __m512i *, __m512 *)) {
    p16_keys K;
    p16_init(&K, s, P16_LANES_F32);
    const size_t esz = kind == OUT_F32 ? 4 : 2;
    /* non-temporal: straight from the registers when `out` is 64-byte aligned, else
     * (large numpy arrays sit 16 bytes past a page) through an L1 stage and
     * simd_avx512.c's streaming copy */
    const int stream = kind == OUT_F32 && (flags & WINIT_FILL_STREAM);
    const int nt = stream && ((uintptr_t)out & 63) == 0;
    unsigned char *o = (unsigned char *)out;
    for (size_t i = 0; i < nb; i += P16_BPI) {
        __m512i w[P16_G][4];
        p16_iter(&K, b0 + i, w);
        if (stream && !nt) {
            float stage[P16_BPI * 4] WINIT_ALIGN64;
            for (int g = 0; g < P16_G; g++) {
                __m512 y[4];
                grp(P, w[g], y);
                emit_f32x4(stage + 64 * g, y, OUT_F32, 0);
            }
            WINIT_STREAM_COPY(o + i * 16, stage, (nb - i < P16_BPI ? nb - i : P16_BPI) * 16);
        } else if (nb - i >= P16_BPI) {
#pragma GCC unroll 8
            for (int g = 0; g < P16_G; g++) {
                __m512 y[4];
                grp(P, w[g], y);
                emit_f32x4(o + (i + 16 * g) * 4 * esz, y, kind, nt);
            }
        } else {
            float stage[P16_BPI * 4] WINIT_ALIGN64;
            for (int g = 0; g < P16_G; g++) {
                __m512 y[4];
                grp(P, w[g], y);
                emit_f32x4((unsigned char *)stage + 16 * g * 4 * esz, y, kind, 0);
            }
            memcpy(o + i * 4 * esz, stage, (nb - i) * 4 * esz);
        }
    }
    if (stream) _mm_sfence();
}

static inline void fill_f64(const winit_fill_spec *s, const void *P, uint64_t b0, size_t nb,
                            void *out, unsigned flags,
                            void (*grp)(const void *, const __m512i *, __m512d *, __m512d *)) {
    p16_keys K;
    p16_init(&K, s, P16_LANES_F64);
    const int stream = (flags & WINIT_FILL_STREAM) != 0; /* as fill_f32_family */
    const int nt = stream && ((uintptr_t)out & 63) == 0;
    double *o = (double *)out;
    for (size_t i = 0; i < nb; i += P16_BPI) {
        __m512i w[P16_G][4];
        p16_iter(&K, b0 + i, w);
        if (stream && !nt) {
            double stage[P16_BPI * 2] WINIT_ALIGN64;
            for (int g = 0; g < P16_G; g++) {
                __m512d a[2], b[2];
                grp(P, w[g], a, b);
                emit_f64x4(stage + 32 * g, a, b, 0);
            }
            WINIT_STREAM_COPY(o + 2 * i, stage, (nb - i < P16_BPI ? nb - i : P16_BPI) * 16);
        } else if (nb - i >= P16_BPI) {
#pragma GCC unroll 8
            for (int g = 0; g < P16_G; g++) {
                __m512d a[2], b[2];
                grp(P, w[g], a, b);
                emit_f64x4(o + 2 * (i + 16 * g), a, b, nt);
            }
        } else {
            double stage[P16_BPI * 2] WINIT_ALIGN64;
            for (int g = 0; g < P16_G; g++) {
                __m512d a[2], b[2];
                grp(P, w[g], a, b);
                emit_f64x4(stage + 32 * g, a, b, 0);
            }
            memcpy(o + 2 * i, stage, (nb - i) * 2 * sizeof(double));
        }
    }
    if (stream) _mm_sfence();
}

/* blocks_fn wrappers: NAME(spec, b0, nb, out, flags) */
#define K512_F32(NAME, FIELD, KIND, GRP)                                                      \
    __attribute__((flatten)) static void NAME(const winit_fill_spec *s, uint64_t b0, size_t nb, \
                                              void *out, unsigned flags) {                    \
        fill_f32_family(s, &s->FIELD, b0, nb, out, flags, KIND, GRP);                          \
    }
#define K512_F64(NAME, FIELD, GRP)                                                            \
    __attribute__((flatten)) static void NAME(const winit_fill_spec *s, uint64_t b0, size_t nb, \
                                              void *out, unsigned flags) {                    \
        fill_f64(s, &s->FIELD, b0, nb, out, flags, GRP);                                       \
    }

K512_F32(k512_bits_u32, af, OUT_F32, grp_bits)
K512_F32(k512_uniform_f32, uf, OUT_F32, grp_uniform_f32)
K512_F32(k512_uniform_f16, uf, OUT_F16, grp_uniform_f32)
K512_F32(k512_uniform_bf16, uf, OUT_BF16, grp_uniform_f32)
K512_F32(k512_normal_f32, af, OUT_F32, grp_normal_f32)
K512_F32(k512_normal_f16, af, OUT_F16, grp_normal_f32)
K512_F32(k512_normal_bf16, af, OUT_BF16, grp_normal_f32)
K512_F64(k512_uniform_f64, ud, grp_uniform_f64)
K512_F64(k512_normal_f64, ad, grp_normal_f64)

/* ------------------------------------------------------------------ truncated normal */

/* The direct branch of winit_truncnorm_f32 / _f64 (modes 0 and WINIT_TN_FLIP; the log
 * branch and the float64-computed float32 fall back to the fill_blocks.h kernels).
 * Per chunk of TN_IT Philox iterations:
 *   pass 1: u -> p, q, the argument pp of ndtri_lower; pp of the lanes that need the
 *           tail compressed into a queue (float32: the central ones into another;
 *           float64, where 89% of the lanes are central for [-2, 2], computes the
 *           central formula for every lane here);
 *   pass 2: each queue through its formula, full vectors;
 *   pass 3: the results expanded back into their lanes, the sign, the affine map and
 *           the rounding guard; transpose and store. */
#define TN_IT (256 / P16_BPI)         /* Philox iterations per chunk: 256 blocks */
#define TN_NV (TN_IT * P16_G * 4)     /* vectors per chunk */

/* winit_ndtri_lowerf's central formula (p >= 1/4) */
static inline __m512 v_ndtri_central_f(__m512 p) {
    const __m512 t = SUB(p, F1(0.5f));
    const __m512 u = MUL(t, t);
    const __m512 v = SUB(F1(0.0625f), u);
    const __m512 R = _mm512_div_ps(ADD(F1(3.0612916946411133f), MUL(v, ADD(F1(10.6289701461792f),
                                                                        MUL(v, F1(1.7252436876296997f))))),
                                   ADD(F1(1.0f), MUL(v, ADD(F1(6.2418999671936035f),
                                                           MUL(v, F1(8.130749702453613f))))));
    const __m512 th = BITS_F(_mm512_and_si512(BITS_I(t), I1(0xfffff000u)));
    const __m512 tl = SUB(t, th);
    return ADD(MUL(th, F1(2.5068359375f)),
               ADD(MUL(tl, F1(2.5068359375f)), MUL(t, ADD(F1(-0.0002076628734357655f), MUL(u, R)))));
}

/* winit__ndtri_tailf on 8 doubles */
static inline __m512d v_ndtri_tailf(__m512d w) {
    const __m512d r = _mm512_sqrt_pd(w);
    __m512d n = ADDD(D1(-3.6751622034697893), MULD(r, D1(-0.20902789497048824)));
    n = ADDD(D1(-13.046052447077741), MULD(r, n));
    n = ADDD(D1(-5.013258056620984), MULD(r, n));
    n = ADDD(D1(11.597772258482168), MULD(r, n));
    n = ADDD(D1(3.1971267599725124), MULD(r, n));
    __m512d d = ADDD(D1(2.600504479316602), MULD(r, D1(0.14779076253039247)));
    d = ADDD(D1(9.603835678585689), MULD(r, d));
    d = ADDD(D1(7.830474197304753), MULD(r, d));
    d = ADDD(D1(1.0), MULD(r, d));
    return _mm512_div_pd(n, d);
}

/* winit_ndtri_lowerf's tail (p < 1/4): log p = lg + lo in float, the rest in double */
static inline __m512 v_ndtri_tail_f(__m512 p) {
    __m512 lo;
    const __m512 lg = v_logf_hl(p, &lo, 1);
    const __m512i sgn = L1(0x8000000000000000ull);
    __m256 x[2];
    for (int h = 0; h < 2; h++) {
        const __m512d lgd = _mm512_cvtps_pd(h ? _mm512_extractf32x8_ps(lg, 1) : _mm512_castps512_ps256(lg));
        const __m512d lod = _mm512_cvtps_pd(h ? _mm512_extractf32x8_ps(lo, 1) : _mm512_castps512_ps256(lo));
        /* -(lg + lo): the negation is a sign flip */
        const __m512d w = BITS_D(_mm512_xor_si512(BITS_L(ADDD(lgd, lod)), sgn));
        x[h] = _mm512_cvtpd_ps(v_ndtri_tailf(w));
    }
    return _mm512_insertf32x8(_mm512_castps256_ps512(x[0]), x[1], 1);
}

/* pass 3's finish of winit_truncnorm_f32: x by lane, `lower` lanes keep its sign */
static inline __m512 v_tn_finish_f(__m512 x, __mmask16 lower, const winit_tn_f32 *t) {
    const __m512 sgn = BITS_F(I1(0x80000000u));
    x = _mm512_mask_xor_ps(x, (__mmask16)~lower, x, sgn);         /* lower ? x : -x */
    if (t->mode & WINIT_TN_FLIP) x = _mm512_xor_ps(x, sgn);
    const __m512 y = _mm512_fmadd_ps(x, F1(t->scale), F1(t->loc));
    /* y < lo ? lo : y, then y > hi ? hi : y: vmaxps / vminps return their second
     * operand unless the first compares greater / less -- the same selects */
    return _mm512_min_ps(F1(t->hi), _mm512_max_ps(F1(t->lo), y));
}

/* Y[k] = winit_truncnorm_f32 of the uniform of every lane of W[k], k < nv <= TN_NV
 * (direct branch): the three passes above. */
static inline void tn_f32_vectors(const winit_tn_f32 *t, const __m512i *W, size_t nv, __m512 *Y) {
    /* float32: about half the lanes take each branch (for [-2, 2]: 48% the tail), so
     * both are queued: C / XC the central arguments and results, T / XT the tail's */
    __mmask16 lower[TN_NV], tail[TN_NV];
    float C[TN_NV * 16 + 16] WINIT_ALIGN64, T[TN_NV * 16 + 16] WINIT_ALIGN64;
    float XC[TN_NV * 16 + 16] WINIT_ALIGN64, XT[TN_NV * 16 + 16] WINIT_ALIGN64;
    size_t nc = 0, nt = 0;
    for (size_t k = 0; k < nv; k++) { /* pass 1 */
        const __m512 u = v_u01_oo_f32(W[k]);
        const __m512 p = _mm512_fmadd_ps(u, F1(t->d), F1(t->pa));
        const __m512 q = _mm512_fmadd_ps(SUB(F1(1.0f), u), F1(t->d), F1(t->qb));
        lower[k] = _mm512_cmp_ps_mask(p, F1(0.5f), _CMP_LE_OQ);
        const __m512 pp = _mm512_mask_blend_ps(lower[k], q, p);
        tail[k] = _mm512_cmp_ps_mask(pp, F1(0.25f), _CMP_NGE_UQ); /* !(pp >= 1/4) */
        _mm512_storeu_ps(C + nc, _mm512_maskz_compress_ps((__mmask16)~tail[k], pp));
        _mm512_storeu_ps(T + nt, _mm512_maskz_compress_ps(tail[k], pp));
        nt += (size_t)__builtin_popcount(tail[k]);
        nc += 16 - (size_t)__builtin_popcount(tail[k]);
    }
    _mm512_storeu_ps(C + nc, F1(0.375f)); /* full last vectors of valid arguments */
    _mm512_storeu_ps(T + nt, F1(0.125f));
    for (size_t k = 0; k < nc; k += 16) /* pass 2 */
        _mm512_store_ps(XC + k, v_ndtri_central_f(_mm512_load_ps(C + k)));
    for (size_t k = 0; k < nt; k += 16)
        _mm512_store_ps(XT + k, v_ndtri_tail_f(_mm512_load_ps(T + k)));
    size_t pc = 0, pt = 0;
    for (size_t k = 0; k < nv; k++) { /* pass 3 */
        __m512 x = _mm512_maskz_expandloadu_ps((__mmask16)~tail[k], XC + pc);
        x = _mm512_mask_expandloadu_ps(x, tail[k], XT + pt);
        pt += (size_t)__builtin_popcount(tail[k]);
        pc += 16 - (size_t)__builtin_popcount(tail[k]);
        Y[k] = v_tn_finish_f(x, lower[k], t);
    }
}

static inline void fill_tn_f32(const winit_fill_spec *s, uint64_t b0, size_t nb, void *out,
                               int kind) {
    const winit_tn_f32 t = s->tf;
    p16_keys K;
    p16_init(&K, s, P16_LANES_F32);
    const size_t esz = kind == OUT_F32 ? 4 : 2;
    unsigned char *o = (unsigned char *)out;
    __m512i W[TN_NV];
    __m512 Y[TN_NV];
    for (size_t i = 0; i < nb; i += TN_IT * P16_BPI) {
        const size_t nit = nb - i >= TN_IT * P16_BPI ? TN_IT : (nb - i + P16_BPI - 1) / P16_BPI;
        for (size_t it = 0; it < nit; it++)
            p16_iter(&K, b0 + i + it * P16_BPI, (__m512i(*)[4])(W + it * P16_G * 4));
        tn_f32_vectors(&t, W, nit * P16_G * 4, Y);
        for (size_t gg = 0; gg < nit * P16_G; gg++) {
            const size_t b = i + 16 * gg; /* the group's first block */
            if (b >= nb) break;
            if (nb - b >= 16) {
                emit_f32x4(o + b * 4 * esz, Y + 4 * gg, kind, 0);
            } else {
                float stage[64] WINIT_ALIGN64;
                emit_f32x4(stage, Y + 4 * gg, kind, 0);
                memcpy(o + b * 4 * esz, stage, (nb - b) * 4 * esz);
            }
        }
    }
}

/* winit__ndtri_central_nd + _fin in double: x from t = p - 1/2 and its error te */
static inline __m512d v_ndtri_central_d(__m512d t, __m512d te) {
    const __m512d v = SUBD(D1(0.180625), MULD(t, t));
    __m512d n = ADDD(D1(36700.14200651819), MULD(v, D1(572.1264925804625)));
    n = ADDD(D1(86203.27097089642), MULD(v, n));
    n = ADDD(D1(62212.299746482386), MULD(v, n));
    n = ADDD(D1(19111.00008861355), MULD(v, n));
    n = ADDD(D1(2787.1054469837654), MULD(v, n));
    n = ADDD(D1(190.16774258016412), MULD(v, n));
    n = ADDD(D1(4.874765941399953), MULD(v, n));
    __m512d d = ADDD(D1(67870.26748595336), MULD(v, D1(19935.21634176023)));
    d = ADDD(D1(69790.0111682297), MULD(v, d));
    d = ADDD(D1(31077.697101991616), MULD(v, d));
    d = ADDD(D1(6885.749538452008), MULD(v, d));
    d = ADDD(D1(791.546053806413), MULD(v, d));
    d = ADDD(D1(45.03495851115118), MULD(v, d));
    d = ADDD(D1(1.0), MULD(v, d));
    const __m512d q = _mm512_div_pd(n, d);
    const __m512d u = MULD(t, t);
    const __m512d th = BITS_D(_mm512_and_si512(BITS_L(t), L1(0xfffffffffc000000ull)));
    const __m512d tl = SUBD(t, th);
    return ADDD(MULD(th, D1(2.5066282749176025)),
                ADDD(ADDD(MULD(tl, D1(2.5066282749176025)),
                          MULD(t, ADDD(D1(-2.866020366467347e-10), MULD(u, q)))),
                     MULD(te, ADDD(D1(3.8668463230133057),
                                   MULD(u, ADDD(D1(-24.929576873779297), MULD(u, D1(231.46963500976562))))))));
}

/* winit__ndtri_h_nd: the per-lane choice of piece is a select of each coefficient */
#define HSEL(a, x, y) _mm512_mask_blend_pd((a), D1(y), D1(x))
static inline __m512d v_ndtri_tail_d(__m512d p) {
    __m512d lo;
    const __m512i sgn = L1(0x8000000000000000ull);
    const __m512d lg = v_log_hl(p, &lo, 1);
    const __m512d wh = BITS_D(_mm512_xor_si512(BITS_L(lg), sgn)); /* -lg, -lo: sign flips */
    const __m512d wl = BITS_D(_mm512_xor_si512(BITS_L(lo), sgn));
    const __m512d r = _mm512_sqrt_pd(wh);
    const __mmask8 a = _mm512_cmp_pd_mask(r, D1(5.0), _CMP_LT_OQ);
    const __m512d s = SUBD(r, HSEL(a, 1.609, 5.0));
    __m512d n = ADDD(HSEL(a, 1.2237094541557373e-07, -5.592081710432776e-14),
                     MULD(s, HSEL(a, -5.533832590666922e-10, 0.0)));
    n = ADDD(HSEL(a, 5.6635041785604764e-05, 4.077309390524301e-11), MULD(s, n));
    n = ADDD(HSEL(a, 0.002026911652661462, 7.52299762449022e-08), MULD(s, n));
    n = ADDD(HSEL(a, 0.024570888617069794, 9.039044610196814e-06), MULD(s, n));
    n = ADDD(HSEL(a, 0.1398751369603027, 0.00033902181757260007), MULD(s, n));
    n = ADDD(HSEL(a, 0.4198624845091395, 0.005152731680978516), MULD(s, n));
    n = ADDD(HSEL(a, 0.6342459926033418, 0.033373758793524846), MULD(s, n));
    n = ADDD(HSEL(a, 0.3746245631713538, 0.07759431379104881), MULD(s, n));
    __m512d d = ADDD(HSEL(a, 0.0006066664827217909, 1.2128907496883307e-08),
                     MULD(s, HSEL(a, 1.1239613284123091e-05, 0.0)));
    d = ADDD(HSEL(a, 0.01093536612692127, 2.0557532351899943e-06), MULD(s, d));
    d = ADDD(HSEL(a, 0.09576666581319243, 0.00011037638005164772), MULD(s, d));
    d = ADDD(HSEL(a, 0.47642940102692694, 0.00265437790394548), MULD(s, d));
    d = ADDD(HSEL(a, 1.4230267303121433, 0.03279079785791366), MULD(s, d));
    d = ADDD(HSEL(a, 2.5272957097618236, 0.2171198522410482), MULD(s, d));
    d = ADDD(HSEL(a, 2.4541007197775837, 0.7347599471882227), MULD(s, d));
    d = ADDD(D1(1.0), MULD(s, d));
    const __m512d h = _mm512_div_pd(n, d);
    /* winit__ndtri_tail_fin(wh, wl, h) */
    __m512d llo;
    const __m512d lw = v_log_hl(wh, &llo, 0); /* wh > 2.5: normal */
    llo = ADDD(llo, _mm512_div_pd(wl, wh));
    const __m512d A = D1(-2.5310242469692907), B = BITS_D(_mm512_xor_si512(BITS_L(lw), sgn));
    const __m512d s1 = ADDD(A, B), bb = SUBD(s1, A);
    const __m512d e1 = ADDD(SUBD(A, SUBD(s1, bb)), SUBD(B, bb));
    const __m512d c = MULD(D1(2.0), wh);
    const __m512d s2 = ADDD(c, s1), cc = SUBD(s2, c);
    const __m512d e2 = ADDD(SUBD(c, SUBD(s2, cc)), SUBD(s1, cc));
    const __m512d Y = ADDD(s2, ADDD(ADDD(ADDD(e2, e1),
                                         SUBD(SUBD(MULD(D1(2.0), wl), llo), D1(5.664688743963382e-17))),
                                    h));
    return BITS_D(_mm512_xor_si512(BITS_L(_mm512_sqrt_pd(Y)), sgn));
}
#undef HSEL

static inline __m512d v_tn_finish_d(__m512d x, __mmask8 lower, const winit_tn_f64 *t) {
    const __m512d sgn = BITS_D(L1(0x8000000000000000ull));
    x = _mm512_mask_xor_pd(x, (__mmask8)~lower, x, sgn);
    if (t->mode & WINIT_TN_FLIP) x = _mm512_xor_pd(x, sgn);
    const __m512d y = _mm512_fmadd_pd(x, D1(t->scale), D1(t->loc));
    return _mm512_min_pd(D1(t->hi), _mm512_max_pd(D1(t->lo), y));
}

/* Y[4g + 2e + h] = winit_truncnorm_f64 of element e, half h of group g's words
 * W[4g .. 4g + 3], g < ng <= TN_NV / 4 (direct branch). */
static inline void tn_f64_vectors(const winit_tn_f64 *t, const __m512i *W, size_t ng, __m512d *Y) {
    __mmask8 lower[TN_NV], tail[TN_NV];
    double T[TN_NV * 8 + 8] WINIT_ALIGN64, XT[TN_NV * 8 + 8] WINIT_ALIGN64;
    size_t nt = 0;
    for (size_t k = 0; k < 4 * ng; k++) { /* pass 1 */
        const __m512i *w = W + (k & ~(size_t)3) + 2 * ((k >> 1) & 1);
        const __m512d u = v_u01_oo_f64(w[0], w[1], (int)(k & 1));
        const __m512d p = _mm512_fmadd_pd(u, D1(t->d), D1(t->pa));
        const __m512d q = _mm512_fmadd_pd(SUBD(D1(1.0), u), D1(t->d), D1(t->qb));
        lower[k] = _mm512_cmp_pd_mask(p, D1(0.5), _CMP_LE_OQ);
        const __m512d pp = _mm512_mask_blend_pd(lower[k], q, p);
        tail[k] = _mm512_cmp_pd_mask(pp, D1(0.075), _CMP_NGE_UQ); /* !(pp >= 0.075) */
        const __m512d tt = SUBD(pp, D1(0.5));
        const __m512d te = SUBD(pp, ADDD(tt, D1(0.5))); /* exact rounding error of t */
        Y[k] = v_ndtri_central_d(tt, te);
        _mm512_storeu_pd(T + nt, _mm512_maskz_compress_pd(tail[k], pp));
        nt += (size_t)__builtin_popcount(tail[k]);
    }
    _mm512_storeu_pd(T + nt, D1(0.03125));
    for (size_t k = 0; k < nt; k += 8) /* pass 2 */
        _mm512_store_pd(XT + k, v_ndtri_tail_d(_mm512_load_pd(T + k)));
    size_t pos = 0;
    for (size_t k = 0; k < 4 * ng; k++) { /* pass 3 */
        const __m512d x = _mm512_mask_expandloadu_pd(Y[k], tail[k], XT + pos);
        pos += (size_t)__builtin_popcount(tail[k]);
        Y[k] = v_tn_finish_d(x, lower[k], t);
    }
}

static inline void fill_tn_f64(const winit_fill_spec *s, uint64_t b0, size_t nb, double *o) {
    const winit_tn_f64 t = s->td;
    p16_keys K;
    p16_init(&K, s, P16_LANES_F64);
    __m512i W[TN_NV];
    __m512d Y[TN_NV];
    for (size_t i = 0; i < nb; i += TN_IT * P16_BPI) {
        const size_t nit = nb - i >= TN_IT * P16_BPI ? TN_IT : (nb - i + P16_BPI - 1) / P16_BPI;
        for (size_t it = 0; it < nit; it++)
            p16_iter(&K, b0 + i + it * P16_BPI, (__m512i(*)[4])(W + it * P16_G * 4));
        tn_f64_vectors(&t, W, nit * P16_G, Y);
        for (size_t gg = 0; gg < nit * P16_G; gg++) {
            const __m512d a[2] = {Y[4 * gg], Y[4 * gg + 1]}, bq[2] = {Y[4 * gg + 2], Y[4 * gg + 3]};
            const size_t b = i + 16 * gg;
            if (b >= nb) break;
            if (nb - b >= 16) {
                emit_f64x4(o + 2 * b, a, bq, 0);
            } else {
                double stage[32] WINIT_ALIGN64;
                emit_f64x4(stage, a, bq, 0);
                memcpy(o + 2 * b, stage, (nb - b) * 2 * sizeof(double));
            }
        }
    }
}

/* modes other than the direct branch: the fill_blocks.h kernels of this level */
#define K512_TN_F32(NAME, KIND, GENERIC)                                                      \
    __attribute__((flatten)) static void NAME(const winit_fill_spec *s, uint64_t b0, size_t nb, \
                                              void *out, unsigned flags) {                    \
        if (s->tf.mode & ~WINIT_TN_FLIP) GENERIC(s, b0, nb, out, flags);                       \
        else fill_tn_f32(s, b0, nb, out, KIND);                                                \
    }
K512_TN_F32(k512_truncnorm_f32, OUT_F32, WINIT_FN(truncnorm_f32))
K512_TN_F32(k512_truncnorm_f16, OUT_F16, WINIT_FN(truncnorm_f16))
K512_TN_F32(k512_truncnorm_bf16, OUT_BF16, WINIT_FN(truncnorm_bf16))

__attribute__((flatten)) static void k512_truncnorm_f64(const winit_fill_spec *s, uint64_t b0,
                                                        size_t nb, void *out, unsigned flags) {
    if (s->td.mode & ~WINIT_TN_FLIP) WINIT_FN(truncnorm_f64)(s, b0, nb, out, flags);
    else fill_tn_f64(s, b0, nb, (double *)out);
}

/* The level's table: fill_blocks.h's, with the kernels above where they exist. */
static void k512_table_init(winit_blocks_fn t[WINIT_N_DIST][WINIT_N_DTYPE]) {
    memcpy(t, WINIT_FN(winit_blocks_table), sizeof(winit_blocks_fn) * WINIT_N_DIST * WINIT_N_DTYPE);
    t[WINIT_DIST_BITS][WINIT_DT_UINT32] = k512_bits_u32;
    t[WINIT_DIST_UNIFORM][WINIT_DT_FLOAT32] = k512_uniform_f32;
    t[WINIT_DIST_UNIFORM][WINIT_DT_FLOAT64] = k512_uniform_f64;
    t[WINIT_DIST_UNIFORM][WINIT_DT_FLOAT16] = k512_uniform_f16;
    t[WINIT_DIST_UNIFORM][WINIT_DT_BFLOAT16] = k512_uniform_bf16;
    t[WINIT_DIST_NORMAL][WINIT_DT_FLOAT32] = k512_normal_f32;
    t[WINIT_DIST_NORMAL][WINIT_DT_FLOAT64] = k512_normal_f64;
    t[WINIT_DIST_NORMAL][WINIT_DT_FLOAT16] = k512_normal_f16;
    t[WINIT_DIST_NORMAL][WINIT_DT_BFLOAT16] = k512_normal_bf16;
    t[WINIT_DIST_TRUNCNORM][WINIT_DT_FLOAT32] = k512_truncnorm_f32;
    t[WINIT_DIST_TRUNCNORM][WINIT_DT_FLOAT64] = k512_truncnorm_f64;
    t[WINIT_DIST_TRUNCNORM][WINIT_DT_FLOAT16] = k512_truncnorm_f16;
    t[WINIT_DIST_TRUNCNORM][WINIT_DT_BFLOAT16] = k512_truncnorm_bf16;
}
