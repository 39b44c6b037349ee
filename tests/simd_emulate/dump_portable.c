/* dump_portable.c -- the portable block fills of every (dist, dtype) for a few parameter sets,
 * as raw bytes on stdout: built for the host and for another architecture (run under
 * qemu-user) by tests/test_simd.py, which compares the two. */
#include "fill.c"
#include "simd_portable.c" /* the portable table, winit_blocks_table_portable */
#include <stdio.h>
int main(void) {
    static unsigned char buf[1 << 20];
    winit_fill_spec s; memset(&s, 0, sizeof s);
    s.k0 = 0x243F6A88u; s.k1 = 0x85A308D3u; s.stream = 5;
    s.af.loc = 0.25f; s.af.scale = 2.0f; s.ad.loc = -1.0; s.ad.scale = 3.0;
    s.uf.loc = 0.25f; s.uf.scale = 2.0f; s.uf.lo = 0.5f; s.uf.hi = 2.0f; /* clamps both ends */
    s.ud.loc = -1.0; s.ud.scale = 3.0; s.ud.lo = -0.5; s.ud.hi = 1.5;
    s.pf.scale = 1.0f; s.pf.c = 0.9f; s.pd.scale = 1.0; s.pd.c = 0.9; s.pf.mode = s.pd.mode = 1;
    const double tn[][2] = {{-2, 2}, {0.5, 3}, {-40, -12}, {1.0, 1.001}};
    for (int k = 0; k < 4; k++) {
        s.tf = winit_tn_setup_f32(tn[k][0], tn[k][1], 0.5, 2.0, 0.5 + 2 * tn[k][0], 0.5 + 2 * tn[k][1]);
        s.td = winit_tn_setup_f64(tn[k][0], tn[k][1], 0.5, 2.0, 0.5 + 2 * tn[k][0], 0.5 + 2 * tn[k][1]);
        for (int d = 0; d < WINIT_N_DIST; d++) for (int t = 0; t < WINIT_N_DTYPE; t++) {
            if (!winit_blocks_table_portable[d][t]) continue;
            s.dist = d; s.dtype = t;
            winit_blocks_table_portable[d][t](&s, 123456789ull + k, 4096, buf, 0);
            fwrite(buf, 1, 4096 * 16, stdout);
        }
    }
    return 0;
}
