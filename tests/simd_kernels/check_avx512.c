/* check_avx512.c -- the hand-written AVX-512 kernels (winit/_core/simd_avx512_kernels.h)
 * against the scalar header (element.h), bit for bit. Needs a CPU with AVX-512
 * F/BW/DQ/VL; built and run by tests/test_simd_kernels.py:
 *
 *   gcc -O2 -ffp-contract=off -fno-math-errno -fno-trapping-math -fopenmp \
 *       -Iwinit/_core/include -Iwinit/_core tests/simd_kernels/check_avx512.c -lm
 *   ./a.out [full]
 *
 * 1. math, exhaustively over the inputs the kernels can see:
 *    - Box-Muller float32: all 2^24 radius uniforms and all 2^24 angle uniforms
 *      (each word paired with a bijective scramble of itself), through the group
 *      function of the normal fills;
 *    - truncated normal float32, direct branch: all 2^23 uniforms for parameter sets
 *      covering both halves, both tails, the reflected case and one-sided intervals,
 *      through the compress / tail / expand passes;
 *    - float16 / bfloat16 conversions: every float32 bit pattern (full) or a stride;
 * 2. every block fill of the level's table (hand-written or not) against the scalar
 *    element map: random keys, streams, first blocks (small, near 2^32, near 2^64),
 *    lengths (not multiples of any vector width), output addresses (any byte offset),
 *    parameters (truncated normal: every mode, WINIT_TN_LOG / _WIDE fall back), with
 *    and without non-temporal stores; the bytes around the output stay untouched.
 * Prints "OK <checks>" or the first difference and exits 1. */
#include "simd_avx512.c"
#include <stdio.h>
#include <stdlib.h>

static uint64_t rng_state = 0x243F6A8885A308D3ull;
static uint64_t next(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static long checks;
static int fail(const char *what, unsigned long long where, double got, double want) {
    printf("DIFF %s at %llu: got %.17g want %.17g\n", what, where, got, want);
    return 1;
}
static int same32(float a, float b) { return winit_f32_bits(a) == winit_f32_bits(b); }

/* ---- the scalar element map, block by block ---- */
static size_t esize(int dt) { return dt == WINIT_DT_FLOAT64 ? 8 : (dt == WINIT_DT_FLOAT16 || dt == WINIT_DT_BFLOAT16) ? 2 : 4; }

static void ref_blocks(const winit_fill_spec *s, uint64_t b0, size_t nb, unsigned char *out) {
    for (size_t i = 0; i < nb; i++) {
        const winit_u32x4 w = winit_block_bits(s->k0, s->k1, s->stream, b0 + i);
        float y[4];
        double d[2];
        int f64 = s->dtype == WINIT_DT_FLOAT64;
        switch (s->dist) {
        case WINIT_DIST_BITS: memcpy(out + 16 * i, w.v, 16); continue;
        case WINIT_DIST_UNIFORM:
            if (f64) winit_block_uniform_f64(w, &s->ud, d); else winit_block_uniform_f32(w, &s->uf, y);
            break;
        case WINIT_DIST_NORMAL:
            if (f64) winit_block_normal_f64(w, &s->ad, d); else winit_block_normal_f32(w, &s->af, y);
            break;
        case WINIT_DIST_TRUNCNORM:
            if (f64) winit_block_truncnorm_f64(w, &s->td, d); else winit_block_truncnorm_f32(w, &s->tf, y);
            break;
        default:
            if (f64) winit_block_polar_f64(w, &s->pd, d); else winit_block_polar_f32(w, &s->pf, y);
        }
        if (f64) { memcpy(out + 16 * i, d, 16); continue; }
        for (int j = 0; j < 4; j++) {
            if (s->dtype == WINIT_DT_FLOAT32) { memcpy(out + 16 * i + 4 * j, &y[j], 4); continue; }
            uint16_t h = s->dtype == WINIT_DT_FLOAT16 ? winit_f32_to_f16(y[j]) : winit_f32_to_bf16(y[j]);
            memcpy(out + 8 * i + 2 * j, &h, 2);
        }
    }
}

WINIT_TARGET_BEGIN(WINIT_AVX512_ISA)

/* ---- 1. math, exhaustive ---- */

/* all 2^24 radius words (top 24 bits) and, scrambled, all 2^24 angle words */
static int check_box_muller_f32(void) {
    const winit_affine_f32 aff[2] = {{0.0f, 1.0f}, {0.25f, -1.75f}};
    for (int ai = 0; ai < 2; ai++)
        for (uint32_t k0 = 0; k0 < (1u << 24); k0 += 16) {
            uint32_t wl[4][16];
            for (int l = 0; l < 16; l++) {
                const uint32_t k = k0 + (uint32_t)l, lowb = (uint32_t)next();
                wl[0][l] = k << 8 | (lowb & 0xff);                                 /* radius */
                wl[1][l] = ((k * 0x9E3779B1u) & 0xffffffu) << 8 | (lowb >> 8 & 0xff); /* angle */
                wl[2][l] = ((k * 0x2545F491u + 12345u) & 0xffffffu) << 8;          /* radius */
                wl[3][l] = k << 8 | 0xff;                                          /* angle */
            }
            __m512i w[4];
            __m512 y[4];
            float yv[4][16];
            for (int j = 0; j < 4; j++) w[j] = _mm512_loadu_si512((const void *)wl[j]);
            grp_normal_f32(&aff[ai], w, y);
            for (int j = 0; j < 4; j++) _mm512_storeu_ps(yv[j], y[j]);
            for (int l = 0; l < 16; l++) {
                winit_u32x4 b;
                float r[4];
                for (int j = 0; j < 4; j++) b.v[j] = wl[j][l];
                winit_block_normal_f32(b, &aff[ai], r);
                for (int j = 0; j < 4; j++)
                    if (!same32(yv[j][l], r[j])) return fail("box-muller f32", k0 + l, yv[j][l], r[j]);
            }
            checks += 64;
        }
    return 0;
}

/* all 2^23 uniforms of the truncated normal (u01_oo: the top 23 bits) */
static int check_truncnorm_f32(const double ab[2], double loc, double scale) {
    const double lo = loc + scale * ab[0], hi = loc + scale * ab[1];
    const winit_tn_f32 t = winit_tn_setup_f32(ab[0], ab[1], loc, scale, lo < hi ? lo : hi, lo < hi ? hi : lo);
    if (t.mode & ~WINIT_TN_FLIP) {
        printf("truncnorm f32 (%g, %g): mode %d, not the direct branch\n", ab[0], ab[1], (int)t.mode);
        return 1;
    }
    static __m512i W[TN_NV];
    static __m512 Y[TN_NV];
    for (uint32_t m0 = 0; m0 < (1u << 23); m0 += 16 * TN_NV) {
        uint32_t *wl = (uint32_t *)W;
        for (int k = 0; k < 16 * TN_NV; k++) wl[k] = (m0 + (uint32_t)k) << 9 | ((uint32_t)next() & 0x1ff);
        tn_f32_vectors(&t, W, TN_NV, Y);
        const float *yl = (const float *)Y;
        for (int k = 0; k < 16 * TN_NV; k++) {
            const float want = winit_truncnorm_f32(winit_u01_oo_f32(wl[k]), &t);
            if (!same32(yl[k], want)) {
                printf("(a, b) = (%g, %g), mode %d: ", ab[0], ab[1], (int)t.mode);
                return fail("truncnorm f32", m0 + k, yl[k], want);
            }
        }
        checks += 16 * TN_NV;
    }
    return 0;
}

/* float16 / bfloat16 of every float32 bit pattern k * stride + offset */
static int check_half(uint32_t stride) {
    for (uint64_t k0 = 0; k0 < (1ull << 32); k0 += 16ull * stride) {
        uint32_t u[16];
        uint16_t h[16], b[16];
        for (int l = 0; l < 16; l++) u[l] = (uint32_t)(k0 + (uint64_t)l * stride);
        const __m512 x = _mm512_loadu_ps((const float *)u);
        _mm256_storeu_si256((__m256i *)h, v_f16(x));
        _mm256_storeu_si256((__m256i *)b, v_bf16(x));
        for (int l = 0; l < 16; l++) {
            const float f = winit_bits_f32(u[l]);
            if (h[l] != winit_f32_to_f16(f)) return fail("f16", u[l], h[l], winit_f32_to_f16(f));
            if (b[l] != winit_f32_to_bf16(f)) return fail("bf16", u[l], b[l], winit_f32_to_bf16(f));
        }
        checks += 32;
    }
    return 0;
}

WINIT_TARGET_END

/* ---- 2. the block fills ---- */

static const double TN[][2] = {{-2, 2}, {0.5, 3}, {-3, -0.5}, {0, INFINITY}, {-INFINITY, 1.5},
                               {-8.5, -2}, {1, 1.001}, {-40, -12}, {12, 40}, {-1e20, 1e20},
                               {-0.1, 0.1}, {-INFINITY, INFINITY}, {2.5, 9}};
enum { NTN = sizeof TN / sizeof TN[0] };

static int check_blocks(int rounds) {
    const winit_blocks_fn (*tab)[WINIT_N_DTYPE] = winit_blocks_table_avx512_get();
    enum { MAXB = 3 * 256 + 77, PAD = 128 };
    unsigned char *a = malloc(MAXB * 16 + 2 * PAD), *b = malloc(MAXB * 16 + 2 * PAD);
    winit_fill_spec s;
    memset(&s, 0, sizeof s);
    for (int rd = 0; rd < rounds; rd++) {
        s.k0 = (uint32_t)next();
        s.k1 = (uint32_t)next();
        s.stream = rd % 4 == 0 ? next() : next() % 1000;
        s.af.loc = (float)((int)(next() % 9) - 4) * 0.25f;
        s.af.scale = rd % 5 == 0 ? 1.0f : (float)ldexp((double)(next() % 1000 + 1), -(int)(next() % 12));
        s.ad.loc = (double)s.af.loc + 1e-9 * (double)(next() % 7);
        s.ad.scale = (double)s.af.scale * (1.0 + 1e-12 * (double)(next() % 5));
        /* uniform: the same affine map, clamped to [lo, hi] -- none, or cutting both ends
         * (signed zeros at the clamp included: lo = +0 when loc = 0) */
        s.uf.loc = s.af.loc; s.uf.scale = s.af.scale; s.ud.loc = s.ad.loc; s.ud.scale = s.ad.scale;
        if (rd % 2) {
            s.uf.lo = s.af.loc + 0.125f * s.af.scale; s.uf.hi = s.af.loc + 0.75f * s.af.scale;
            s.ud.lo = s.ad.loc + 0.125 * s.ad.scale; s.ud.hi = s.ad.loc + 0.75 * s.ad.scale;
        } else {
            s.uf.lo = s.ud.lo = rd % 4 == 0 ? 0.0 : -INFINITY;
            s.uf.hi = s.ud.hi = INFINITY;
        }
        const double *ab = TN[rd % NTN];
        const double loc = rd % 3 ? 0.0 : 0.5, scale = rd % 3 ? 1.0 : 2.0;
        s.tf = winit_tn_setup_f32(ab[0], ab[1], loc, scale, loc + scale * ab[0], loc + scale * ab[1]);
        s.td = winit_tn_setup_f64(ab[0], ab[1], loc, scale, loc + scale * ab[0], loc + scale * ab[1]);
        s.pf.scale = 1.5f; s.pf.c = 0.9f; s.pf.mode = rd & 1;
        s.pd.scale = 1.5; s.pd.c = 0.9; s.pd.mode = rd & 1;
        for (int d = 0; d < WINIT_N_DIST; d++)
            for (int t = 0; t < WINIT_N_DTYPE; t++) {
                if (!tab[d][t]) continue;
                s.dist = d; s.dtype = t;
                const uint64_t b0 = rd % 3 == 0 ? next() % 5000
                                  : rd % 3 == 1 ? 0xFFFFFFFFull - next() % 700 : ~0ull - next() % 700;
                const size_t nb = rd % 7 == 0 ? 1 + next() % 20 : 1 + next() % MAXB;
                const size_t off = rd % 8 == 2 ? 0 : next() % 64; /* 0: aligned streaming */
                const unsigned flags = (rd & 2) ? WINIT_FILL_STREAM : 0;
                const size_t bytes = nb * 4 * esize(t) / (t == WINIT_DT_FLOAT64 ? 2 : 1);
                memset(a, 0xAB, MAXB * 16 + 2 * PAD);
                memset(b, 0xAB, MAXB * 16 + 2 * PAD);
                ref_blocks(&s, b0, nb, a + PAD + off);
                tab[d][t](&s, b0, nb, b + PAD + off, flags);
                checks++;
                if (memcmp(a, b, MAXB * 16 + 2 * PAD)) {
                    size_t k = 0;
                    while (a[k] == b[k]) k++;
                    printf("DIFF blocks dist %d dtype %d (tn %g, %g mode %d) block0 %llu nblocks %zu "
                           "offset %zu flags %u: byte %zd of %zu\n", d, t, ab[0], ab[1],
                           (int)(t == WINIT_DT_FLOAT64 ? s.td.mode : s.tf.mode), (unsigned long long)b0,
                           nb, off, flags, (ptrdiff_t)k - (ptrdiff_t)(PAD + off), bytes);
                    return 1;
                }
            }
    }
    free(a);
    free(b);
    return 0;
}

int main(int argc, char **argv) {
    const int full = argc > 1 && !strcmp(argv[1], "full");
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
        !__builtin_cpu_supports("avx512dq") || !__builtin_cpu_supports("avx512vl")) {
        printf("SKIP no AVX-512 F/BW/DQ/VL on this CPU\n");
        return 0;
    }
    if (check_blocks(full ? 400 : 60)) return 1;
    if (check_box_muller_f32()) return 1;
    static const double tnx[][2] = {{-2, 2}, {0.5, 3}, {-3, -0.5}, {0, INFINITY}, {-INFINITY, 1.5},
                                    {-8.5, -2}, {2.5, 9}, {-0.1, 0.1}};
    for (int i = 0; i < (full ? 8 : 3); i++)
        if (check_truncnorm_f32(tnx[i], i & 1 ? 0.5 : 0.0, i & 1 ? 2.0 : 1.0)) return 1;
    if (check_half(full ? 1 : 4099)) return 1;
    printf("OK %ld\n", checks);
    return 0;
}
