/* simd_philox.h -- the Philox pass of a SIMD level: Philox4x32-10 of nb consecutive
 * blocks into a chunk's word array in the layout asked for (fill_blocks.h: WINIT_SOA
 * or WINIT_NAT), the same contract as the portable pass, whose math pass then runs
 * unchanged. Only integer operations: the words are those of the header, exactly.
 *
 * Included by simd_<level>.c after it defines the vector API below over a type `wv`
 * of WV_LANES 64-bit lanes. Each 32-bit word lives in the low half of a 64-bit lane,
 * so the 32x32 -> 64 products are one vpmuludq per WV_LANES words and the high halves
 * a 64-bit shift; bits above 31 may hold garbage (only low halves are read). The
 * round is WINIT_PHILOX_ROUND_LANES of philox.h -- the expansion the scalar round
 * uses -- and the keys and counters come from philox.h / element.h.
 *
 *   wv   wv_set1(uint64_t x)          every lane = x
 *   wv   wv_setr(const uint64_t *x)   lane l = x[l]
 *   wv   wv_add(wv a, wv b)           64-bit lane add
 *   wv   wv_mul(wv a, wv b)           (a mod 2^32) * (b mod 2^32), 64-bit lanes
 *   wv   wv_hi(wv a)                  low half of each lane = its high half (the new
 *                                     high half may be anything)
 *   wv   wv_xor3(wv a, wv b, wv c)    a ^ b ^ c
 *   void wv_pin(wv *a, wv *b, wv *c, wv *d)
 *          an empty asm keeping the four in registers after each group's round:
 *          without it gcc reorders the unrolled rounds into spills (measured)
 *   void wv_store_pair(uint32_t *p, wv a, wv b)
 *          p[2l] = low half of lane l of a, p[2l+1] = low half of lane l of b
 *   void wv_store_nat(uint32_t *p, wv x0, wv x1, wv x2, wv x3)
 *          the 4 * WV_LANES words of the blocks held by lanes (0, 2, 4, ..., 1, 3, 5, ...)
 *          in natural order: p[4k + j] = low half of lane NAT_LANE(k) of x_j
 *
 * Latency: a round is a multiply -> shift -> xor chain, so WINIT_PHILOX_GROUPS
 * independent groups of lanes are interleaved (the level sets the count). Lanes are
 * assigned so that the stores are cheap and land in natural block order:
 *   SOA: groups pair up (a, b): lane l of a holds block 2l, lane l of b block 2l + 1
 *        (an unpaired last group: WV_LANES consecutive blocks, wv_store_one);
 *   NAT: lane l holds block l / 2 (l even) or WV_LANES / 2 + l / 2 (l odd). */

#ifndef WINIT_PHILOX_GROUPS
#error "the SIMD level defines WINIT_PHILOX_GROUPS"
#endif

#define WINIT_WV_MULHILO(m, x, lo, hi)  \
    do {                                \
        (lo) = wv_mul((x), wv_set1(m)); \
        (hi) = wv_hi(lo);               \
    } while (0)

#define WINIT_PHILOX_BPI (WINIT_PHILOX_GROUPS * WV_LANES) /* blocks per iteration */

typedef struct {
    wv k[10][2]; /* the round keys, broadcast */
    wv c2, c3;   /* the stream words of the counter */
    wv off[2][WINIT_PHILOX_GROUPS]; /* [layout][group]: each lane's block offset */
} WINIT_FN(philox_consts);

/* Philox of the BPI blocks b .. b + BPI - 1 into x*[g] (lanes as assigned by `off`). */
#define WINIT_PHILOX_ITER(K, b, off, x0, x1, x2, x3)                                       \
    do {                                                                                    \
        const wv bb_ = wv_set1(b);                                                          \
        _Pragma("GCC unroll 16") for (int g = 0; g < WINIT_PHILOX_GROUPS; g++) {            \
            /* element.h's counter: (block mod 2^32, block div 2^32, stream lo, stream hi) */ \
            x0[g] = wv_add(bb_, (off)[g]);                                                  \
            x1[g] = wv_hi(x0[g]);                                                           \
            x2[g] = (K)->c2;                                                                \
            x3[g] = (K)->c3;                                                                \
        }                                                                                   \
        _Pragma("GCC unroll 10") for (int r = 0; r < 10; r++) {                             \
            _Pragma("GCC unroll 16") for (int g = 0; g < WINIT_PHILOX_GROUPS; g++) {        \
                WINIT_PHILOX_ROUND_LANES(wv, x0[g], x1[g], x2[g], x3[g], (K)->k[r][0],       \
                                         (K)->k[r][1], WINIT_WV_MULHILO, wv_xor3);           \
                wv_pin(&x0[g], &x1[g], &x2[g], &x3[g]);                                      \
            }                                                                               \
        }                                                                                   \
    } while (0)

/* BPI blocks from b: w_j[i] = word j of block b + i (SOA, stride WINIT_CHUNK) */
static inline void WINIT_FN(philox_iter_soa)(const WINIT_FN(philox_consts) *K, uint64_t b,
                                             uint32_t *w) {
    enum { G = WINIT_PHILOX_GROUPS };
    wv x0[G], x1[G], x2[G], x3[G];
    WINIT_PHILOX_ITER(K, b, K->off[WINIT_SOA], x0, x1, x2, x3);
#pragma GCC unroll 16
    for (int g = 0; g + 1 < G; g += 2) {
        uint32_t *p = w + g * WV_LANES;
        wv_store_pair(p, x0[g], x0[g + 1]);
        wv_store_pair(p + WINIT_CHUNK, x1[g], x1[g + 1]);
        wv_store_pair(p + 2 * WINIT_CHUNK, x2[g], x2[g + 1]);
        wv_store_pair(p + 3 * WINIT_CHUNK, x3[g], x3[g + 1]);
    }
    if (G & 1) {
        uint32_t *p = w + (G - 1) * WV_LANES;
        wv_store_one(p, x0[G - 1]);
        wv_store_one(p + WINIT_CHUNK, x1[G - 1]);
        wv_store_one(p + 2 * WINIT_CHUNK, x2[G - 1]);
        wv_store_one(p + 3 * WINIT_CHUNK, x3[G - 1]);
    }
}

/* BPI blocks from b: w[4 i + j] = word j of block b + i (NAT) */
static inline void WINIT_FN(philox_iter_nat)(const WINIT_FN(philox_consts) *K, uint64_t b,
                                             uint32_t *w) {
    enum { G = WINIT_PHILOX_GROUPS };
    wv x0[G], x1[G], x2[G], x3[G];
    WINIT_PHILOX_ITER(K, b, K->off[WINIT_NAT], x0, x1, x2, x3);
#pragma GCC unroll 16
    for (int g = 0; g < G; g++) wv_store_nat(w + 4 * g * WV_LANES, x0[g], x1[g], x2[g], x3[g]);
}

#define WINIT_HAVE_PHILOX_PASS 1
static void WINIT_FN(philox_pass)(const winit_fill_spec *s, uint64_t b0, size_t nb,
                                  uint32_t *restrict w, int layout) {
    enum { G = WINIT_PHILOX_GROUPS, BPI = WINIT_PHILOX_BPI };
    WINIT_FN(philox_consts) K;
    winit_u32x2 k;
    k.v[0] = s->k0;
    k.v[1] = s->k1;
    for (int r = 0; r < 10; r++) { /* the key schedule of winit_philox4x32_10 */
        if (r) k = winit_philox4x32_bumpkey(k);
        K.k[r][0] = wv_set1(k.v[0]);
        K.k[r][1] = wv_set1(k.v[1]);
    }
    const winit_u32x4 cs = winit_counter(0, s->stream);
    K.c2 = wv_set1(cs.v[2]);
    K.c3 = wv_set1(cs.v[3]);
    for (int g = 0; g < G; g++) {
        uint64_t soa[WV_LANES], nat[WV_LANES];
        for (int l = 0; l < WV_LANES; l++) {
            soa[l] = (G & 1) && g == G - 1 ? (uint64_t)(g * WV_LANES + l)
                                           : (uint64_t)((g >> 1) * 2 * WV_LANES + 2 * l + (g & 1));
            nat[l] = (uint64_t)(g * WV_LANES + ((l & 1) ? WV_LANES / 2 + l / 2 : l / 2));
        }
        K.off[WINIT_SOA][g] = wv_setr(soa);
        K.off[WINIT_NAT][g] = wv_setr(nat);
    }
    size_t i = 0;
    if (layout == WINIT_NAT) {
        for (; i + BPI <= nb; i += BPI) WINIT_FN(philox_iter_nat)(&K, b0 + i, w + 4 * i);
    } else {
        for (; i + BPI <= nb; i += BPI) WINIT_FN(philox_iter_soa)(&K, b0 + i, w + i);
    }
    if (i < nb) { /* a last partial iteration: compute it whole, keep what is asked */
        uint32_t t[4 * WINIT_CHUNK];
        const size_t m = nb - i;
        if (layout == WINIT_NAT) {
            WINIT_FN(philox_iter_nat)(&K, b0 + i, t);
            memcpy(w + 4 * i, t, 4 * m * sizeof *t);
        } else {
            WINIT_FN(philox_iter_soa)(&K, b0 + i, t);
            for (int j = 0; j < 4; j++)
                memcpy(w + j * WINIT_CHUNK + i, t + j * WINIT_CHUNK, m * sizeof *t);
        }
    }
}
