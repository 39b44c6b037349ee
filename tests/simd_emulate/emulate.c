/* emulate.c -- the avx512 level's block fills (simd_avx512.c, intrinsics emulated by
 * SIMDe) against the portable ones, bit for bit: every (dist, dtype), random block
 * offsets (near 2^32 and 2^64 too), lengths and output alignments, with and without
 * non-temporal stores, and the float16 conversion over its boundary ranges.
 * Prints "OK <checks>" or the first difference; run by tests/test_simd.py. */
#include "fill.c"
#include "simd_portable.c" /* the portable table, winit_blocks_table_portable */
#include <stdio.h>
#include <stdlib.h>

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t next(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

int main(int argc, char **argv) {
    const int rounds = argc > 1 ? atoi(argv[1]) : 20;
    const winit_blocks_fn (*emu)[WINIT_N_DTYPE] = winit_blocks_table_avx512_get();
    enum { MAXB = 3 * WINIT_CHUNK + 77 };
    unsigned char *a = malloc(MAXB * 16 + 128), *b = malloc(MAXB * 16 + 128);
    winit_fill_spec s;
    memset(&s, 0, sizeof s);
    s.k0 = 0x243F6A88u; s.k1 = 0x85A308D3u;
    s.af.loc = 0.25f; s.af.scale = 2.0f; s.ad.loc = -1.0; s.ad.scale = 3.0;
    s.uf.loc = 0.25f; s.uf.scale = 2.0f; s.uf.lo = 0.5f; s.uf.hi = 2.0f; /* clamps both ends */
    s.ud.loc = -1.0; s.ud.scale = 3.0; s.ud.lo = -0.5; s.ud.hi = 1.5;
    s.pf.scale = 1.0f; s.pf.c = 0.9f; s.pd.scale = 1.0; s.pd.c = 0.9;
    const double tn[][2] = {{-2, 2}, {0.5, 3}, {-40, -12}, {12, 40}, {1.0, 1.001}};
    long checks = 0;
    for (int rd = 0; rd < rounds; rd++) {
        const double *ab = tn[rd % 5];
        s.tf = winit_tn_setup_f32(ab[0], ab[1], 0.5, 2.0, 0.5 + 2 * ab[0], 0.5 + 2 * ab[1]);
        s.td = winit_tn_setup_f64(ab[0], ab[1], 0.5, 2.0, 0.5 + 2 * ab[0], 0.5 + 2 * ab[1]);
        s.pf.mode = s.pd.mode = rd & 1;
        s.stream = next();
        for (int d = 0; d < WINIT_N_DIST; d++)
            for (int t = 0; t < WINIT_N_DTYPE; t++) {
                if (!winit_blocks_table_portable[d][t]) continue;
                s.dist = d; s.dtype = t;
                const size_t esz = winit_kernel_infos[winit_kernel_of(d, t)].itemsize, epb = t == WINIT_DT_FLOAT64 ? 2 : 4;
                const uint64_t b0 = (rd % 3 == 0) ? next() % 5000
                                  : (rd % 3 == 1) ? 0xFFFFFFFFull - next() % 600 : ~0ull - next() % 600;
                const size_t nb = 1 + next() % MAXB, off = next() % 64;
                const unsigned flags = (rd & 2) ? WINIT_FILL_STREAM : 0;
                memset(a, 0xAB, MAXB * 16 + 128); memset(b, 0xAB, MAXB * 16 + 128);
                winit_blocks_table_portable[d][t](&s, b0, nb, a + off, 0);
                emu[d][t](&s, b0, nb, b + off, flags);
                checks++;
                if (memcmp(a, b, MAXB * 16 + 128)) {
                    size_t k = 0;
                    while (a[k] == b[k]) k++;
                    printf("DIFF dist %d dtype %d block0 %llu nblocks %zu offset %zu flags %u: "
                           "first byte %zu (element %zu)\n", d, t, (unsigned long long)b0, nb, off,
                           flags, k, (k - off) / esz);
                    return 1;
                }
                (void)epb;
            }
    }
    /* float16 conversion: boundaries of zero/subnormal/normal/overflow/NaN, both signs */
    const uint32_t ranges[][2] = {{0x33000000u - 4096, 0x38800000u - 0x33000000u + 8192},
                                  {0x477FE000u - 4096, 8192}, {0x7F800000u - 1024, 1 << 23}};
    for (unsigned r = 0; r < 3; r++)
        for (uint32_t sign = 0; sign < 2; sign++) {
            long long bad = winit_f16_mismatches(WINIT_SIMD_PORTABLE, 0, 0); /* warm */
            uint32_t start = ranges[r][0] | (sign << 31), count = ranges[r][1];
            float y[1024]; uint16_t h[1024];
            while (count) {
                uint32_t n = count < 1024 ? count : 1024;
                for (uint32_t k = 0; k < n; k++) y[k] = winit_bits_f32(start + k);
                winit_f16_convert_avx512_ext(h, y, n);
                for (uint32_t k = 0; k < n; k++) bad += h[k] != winit_f32_to_f16(y[k]);
                if (bad) { printf("DIFF f16 near 0x%08x\n", start); return 1; }
                start += n; count -= n; checks++;
            }
        }
    printf("OK %ld\n", checks);
    return 0;
}
