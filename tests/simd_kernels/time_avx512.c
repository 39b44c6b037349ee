/* time_avx512.c -- the avx512 level's block fills before (fill_blocks.h compiled for
 * AVX-512: the table winit_blocks_table_avx512) and after (the hand-written kernels of
 * simd_avx512_kernels.h: winit_blocks_table_avx512_get()), called alternately, minimum
 * of many calls (robust on a shared machine). Not a test; docs/benchmarks.md quotes it.
 *
 *   gcc -O3 -ffp-contract=off -fno-math-errno -fno-trapping-math -fopenmp \
 *       --param=max-completely-peeled-insns=1000 --param=max-peel-branches=128 \
 *       -Iwinit/_core/include -Iwinit/_core tests/simd_kernels/time_avx512.c -o time_avx512
 *   ./time_avx512 [elements=4096] [name filter, e.g. normal_f32] [calls=200]
 * Outputs of 2^20 elements or more take the non-temporal path where fill.c would. */
#include "simd_avx512.c"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec a;
    clock_gettime(CLOCK_MONOTONIC, &a);
    return (double)a.tv_sec + (double)a.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    static const char *names[5] = {"bits", "uniform", "normal", "truncnorm", "polar"};
    static const char *dts[5] = {"f32", "f64", "f16", "bf16", "u32"};
    const size_t nel = argc > 1 ? strtoul(argv[1], 0, 0) : 4096;
    const char *only = argc > 2 ? argv[2] : NULL;
    const int reps = argc > 3 ? atoi(argv[3]) : 200;
    winit_fill_spec s;
    memset(&s, 0, sizeof s);
    s.k0 = 1; s.k1 = 2; s.stream = 3;
    s.af.scale = 1; s.ad.scale = 1; s.pf.scale = 1; s.pd.scale = 1;
    s.tf = winit_tn_setup_f32(-2, 2, 0, 1, -2, 2);
    s.td = winit_tn_setup_f64(-2, 2, 0, 1, -2, 2);
    void *out = aligned_alloc(64, nel * 8 + 64);
    memset(out, 0, nel * 8);
    const winit_blocks_fn (*tabs[2])[WINIT_N_DTYPE] = {winit_blocks_table_avx512,
                                                        winit_blocks_table_avx512_get()};
    for (int d = 0; d < 4; d++)
        for (int t = 0; t < 5; t++) {
            if (!tabs[0][d][t]) continue;
            char nm[64];
            snprintf(nm, sizeof nm, "%s_%s", names[d], dts[t]);
            if (only && *only && !strstr(nm, only)) continue;
            const size_t nb = nel / (t == WINIT_DT_FLOAT64 ? 2 : 4);
            const unsigned fl = nel >= (1u << 20) && d <= 1 && (t == 0 || t == 1 || t == 4) ? WINIT_FILL_STREAM : 0;
            double best[2] = {1e9, 1e9};
            for (int k = 0; k < reps; k++)
                for (int lv = 0; lv < 2; lv++) {
                    const double t0 = now();
                    tabs[lv][d][t](&s, (uint64_t)k * nb, nb, out, fl);
                    const double dt = now() - t0;
                    if (dt < best[lv]) best[lv] = dt;
                }
            printf("%-16s before %.3f after %.3f ns/el  speedup %.2f\n", nm, best[0] / (double)nel * 1e9,
                   best[1] / (double)nel * 1e9, best[0] / best[1]);
        }
    return 0;
}
