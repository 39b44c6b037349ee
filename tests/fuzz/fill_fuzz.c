/* fill_fuzz.c -- libFuzzer target on the C fill entry points (winit_fill_region,
 * winit_fill_range, the truncated-normal setup and the transforms of the header set).
 *
 * Input bytes choose (dist, dtype, key, stream, params as raw doubles -- NaN, inf,
 * subnormal included --, rows with arbitrary uint64 starts, row length, threads).
 * Oracles:
 *   - memory safety (ASan) and no undefined behaviour (UBSan, -fno-sanitize-recover);
 *   - index addressability: every element of a region fill equals the same element
 *     filled alone by winit_fill_range(start, 1) -- bit for bit, NaN payloads included;
 *   - the fill writes exactly nrows*len elements (canaries around the buffer);
 *   - every SIMD level the CPU has equals the portable path bit for bit;
 *   - the uniform transforms stay in their documented intervals;
 *   - float32 -> float16 equals the compiler's _Float16 conversion (round to nearest even).
 * Build and run: tests/fuzz/run.sh (clang -fsanitize=fuzzer,address,undefined), or
 * tests/fuzz/standalone.c for a plain gcc/valgrind build. */
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fill.h"

#define CHECK(c) do { if (!(c)) { fuzz_fail(#c, __LINE__); } } while (0)
static void fuzz_fail(const char *what, int line) {
    fprintf(stderr, "fill_fuzz.c:%d: check failed: %s\n", line, what);
    abort();
}

typedef struct { const uint8_t *p; size_t n; } reader;
static uint64_t take(reader *r, unsigned nbytes) {
    uint64_t v = 0;
    for (unsigned i = 0; i < nbytes; i++) {
        v |= (uint64_t)(r->n ? (r->p++, r->p[-1]) : 0) << (8 * i);
        if (r->n) r->n--;
    }
    return v;
}
static double take_double(reader *r) {
    uint64_t u = take(r, 8);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static size_t esz_of(int dtype) {
    return dtype == WINIT_DT_FLOAT64 ? 8 : (dtype == WINIT_DT_FLOAT16 || dtype == WINIT_DT_BFLOAT16) ? 2 : 4;
}

static void check_transforms(uint32_t w, uint32_t w2, float x) {
    float co = winit_u01_co_f32(w), oc = winit_u01_oc_f32(w), oo = winit_u01_oo_f32(w);
    CHECK(co >= 0.0f && co < 1.0f);
    CHECK(oc > 0.0f && oc <= 1.0f);
    CHECK(oo > 0.0f && oo < 1.0f);
    double dco = winit_u01_co_f64(w, w2), doc = winit_u01_oc_f64(w, w2), doo = winit_u01_oo_f64(w, w2);
    CHECK(dco >= 0.0 && dco < 1.0);
    CHECK(doc > 0.0 && doc <= 1.0);
    CHECK(doo > 0.0 && doo < 1.0);
#if defined(__FLT16_MAX__)
    {
        _Float16 h = (_Float16)x;
        uint16_t ref;
        memcpy(&ref, &h, 2);
        uint16_t got = winit_f32_to_f16(x);
        if (isnan(x)) CHECK((got & 0x7c00u) == 0x7c00u && (got & 0x3ffu) != 0);
        else CHECK(got == ref);
    }
#endif
    uint16_t b = winit_f32_to_bf16(x);
    if (isnan(x)) CHECK((b & 0x7f80u) == 0x7f80u && (b & 0x7fu) != 0);
}

static size_t step_check(size_t total) { return total > 2000 ? total / 997 : 1; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    reader r = {data, size};
    winit_fill_spec s;
    memset(&s, 0, sizeof s);
    s.dist = (int32_t)(take(&r, 1) % WINIT_N_DIST);
    s.dtype = (int32_t)(take(&r, 1) % WINIT_N_DTYPE);
    s.k0 = (uint32_t)take(&r, 4);
    s.k1 = (uint32_t)take(&r, 4);
    s.stream = take(&r, 8);
    size_t nrows = (size_t)(take(&r, 1) % 6);
    size_t len = (size_t)(take(&r, 2) % 300);
    int nthreads = (int)(take(&r, 1) % 4);
    uint64_t starts[6];
    for (size_t i = 0; i < nrows; i++) {
        uint64_t mode = take(&r, 1) % 4, v = take(&r, 8);
        /* flat indices of a tensor are < 2^63 (shape check): mode 0 anywhere below,
         * 1 at the very end, 2 small, 3 around a carry into counter word 1 */
        const uint64_t top = ((uint64_t)1 << 63) - 300;
        starts[i] = mode == 0 ? v % top : mode == 1 ? top - (v % 600) : mode == 2 ? v % 1000
                  : (v % 8 + 1) * ((uint64_t)1 << 34) - (v >> 56);
    }
    double p[6];
    for (int i = 0; i < 6; i++) p[i] = take_double(&r);
    uint32_t tw = (uint32_t)take(&r, 4), tw2 = (uint32_t)take(&r, 4);
    float tx;
    { uint32_t u = (uint32_t)take(&r, 4); memcpy(&tx, &u, 4); }
    check_transforms(tw, tw2, tx);

    if (!winit_fill_supported(s.dist, s.dtype)) return 0;
    switch (s.dist) {
    case WINIT_DIST_UNIFORM:
        s.uf.loc = (float)p[0]; s.uf.scale = (float)p[1]; s.ud.loc = p[0]; s.ud.scale = p[1];
        s.uf.lo = (float)p[4]; s.uf.hi = (float)p[5]; s.ud.lo = p[4]; s.ud.hi = p[5];
        break;
    case WINIT_DIST_NORMAL:
        s.af.loc = (float)p[0]; s.af.scale = (float)p[1]; s.ad.loc = p[0]; s.ad.scale = p[1];
        break;
    case WINIT_DIST_TRUNCNORM:
        if (s.dtype == WINIT_DT_FLOAT64) s.td = winit_tn_setup_f64(p[0], p[1], p[2], p[3], p[4], p[5]);
        else s.tf = winit_tn_setup_f32(p[0], p[1], p[2], p[3], p[4], p[5]);
        break;
    case WINIT_DIST_POLAR:
        s.pf.scale = (float)p[0]; s.pf.c = (float)p[1]; s.pf.mode = (int32_t)(tw & 1);
        s.pd.scale = p[0]; s.pd.c = p[1]; s.pd.mode = (int32_t)(tw & 1);
        break;
    default: break;
    }
    /* polar fills (re, im) pairs: starts and lengths are even in the library */
    if (s.dist == WINIT_DIST_POLAR) {
        len &= ~(size_t)1;
        for (size_t i = 0; i < nrows; i++) starts[i] &= ~(uint64_t)1;
    }
    const size_t esz = esz_of(s.dtype), total = nrows * len, nbytes = total * esz;
    unsigned char *buf = (unsigned char *)malloc(nbytes + 64);
    CHECK(buf != NULL);
    memset(buf, 0xA5, nbytes + 64);
    unsigned char *out = buf + 32;
    int level = (int)(tw2 % 3), used = winit_set_simd_level(level);
    CHECK(used >= 0 && used <= level);
    const uint64_t nrows64 = nrows;
    winit_fill_layout L = {starts, 0, 1, &nrows64, NULL, NULL, len, 1};
    winit_fill_region(&s, out, &L, 0, total, nthreads);
    for (int i = 0; i < 32; i++) CHECK(buf[i] == 0xA5 && out[nbytes + i] == 0xA5);
    /* params the Python layer can produce (finite, in range): there every SIMD level
     * must equal the portable path; outside, only memory safety and no UB are required */
    int f32 = s.dtype != WINIT_DT_FLOAT64;
    double big = f32 ? 3.4e38 : 1.7e308;
    int sane = s.dist == WINIT_DIST_BITS;
    if (s.dist == WINIT_DIST_UNIFORM || s.dist == WINIT_DIST_NORMAL)
        sane = fabs(p[0]) < big && p[1] >= 0 && p[1] < big;
    else if (s.dist == WINIT_DIST_TRUNCNORM)
        sane = p[0] < p[1] && fabs(p[2]) < big && p[3] > 0 && p[3] < big && p[4] <= p[5];
    else if (s.dist == WINIT_DIST_POLAR)
        sane = p[0] >= 0 && p[0] < big && p[1] >= 0 && p[1] <= 1;
    if (used != 0 && sane) { /* every SIMD level equals the portable path bit for bit */
        unsigned char *ref = (unsigned char *)malloc(nbytes + 1);
        CHECK(ref != NULL);
        winit_set_simd_level(0);
        winit_fill_region(&s, ref, &L, 0, total, 1);
        if (memcmp(ref, out, nbytes) != 0) {
            size_t e = 0;
            while (memcmp(ref + e * esz, out + e * esz, esz) == 0) e++;
            uint64_t a = 0, b = 0;
            memcpy(&a, ref + e * esz, esz); memcpy(&b, out + e * esz, esz);
            fprintf(stderr, "SIMD level %d != portable: dist %d dtype %d params %a %a %a %a %a %a "
                    "element %zu of %zu: portable %#llx, simd %#llx\n", used, s.dist, s.dtype,
                    p[0], p[1], p[2], p[3], p[4], p[5], e, total, (unsigned long long)a,
                    (unsigned long long)b);
            CHECK(!"SIMD level equals portable");
        }
        free(ref);
        winit_set_simd_level(used);
    }
    /* a strided output (rows in reverse order, each written backwards: out_step and a
     * negative stride from the last element) holds the same elements, and nothing around
     * them is touched; and the same rows as a box (a block of a tensor) when the row
     * starts are those of one */
    if (total) {
        const int64_t back = -(int64_t)len;
        unsigned char *buf2 = (unsigned char *)malloc(nbytes + 64);
        CHECK(buf2 != NULL);
        memset(buf2, 0xA5, nbytes + 64);
        winit_fill_layout R = {starts, 0, 1, &nrows64, NULL, &back, len, -1};
        unsigned char *last = buf2 + 32 + (total - 1) * esz; /* row 0, element 0 */
        winit_fill_region(&s, last, &R, 0, total, nthreads);
        for (int i = 0; i < 32; i++) CHECK(buf2[i] == 0xA5 && buf2[32 + nbytes + i] == 0xA5);
        for (size_t e = 0; e < total; e++) {
            size_t row = e / len, c = e % len;
            CHECK(memcmp(last - (row * len + c) * esz, out + e * esz, esz) == 0);
        }
        /* the box of a (nrows, W) tensor's block: rows start at start0 + r * W */
        uint64_t W = len + (tw % 7), start0 = starts[0] & 0xFFFFFFFFFFull;
        if (s.dist == WINIT_DIST_POLAR) { W &= ~(uint64_t)1; start0 &= ~(uint64_t)1; }
        if (W < len) W = len;
        const uint64_t step = W;
        winit_fill_layout B = {NULL, start0, 1, &nrows64, &step, NULL, len, 1};
        winit_fill_region(&s, buf2 + 32, &B, 0, total, nthreads);
        for (size_t e = 0; e < total; e += step_check(total)) {
            size_t row = e / len, c = e % len;
            unsigned char one1[2 * 8];
            uint64_t idx = start0 + row * W + c;
            if (s.dist == WINIT_DIST_POLAR) {
                winit_fill_range(&s, one1, idx & ~(uint64_t)1, 2);
                CHECK(memcmp(one1 + (idx & 1) * esz, buf2 + 32 + e * esz, esz) == 0);
            } else {
                winit_fill_range(&s, one1, idx, 1);
                CHECK(memcmp(one1, buf2 + 32 + e * esz, esz) == 0);
            }
        }
        free(buf2);
    }
    /* every element equals the element filled alone */
    unsigned char one[2 * 8];
    size_t step = total > 2000 ? total / 997 : 1;
    for (size_t e = 0; e < total; e += step) {
        size_t row = e / len, c = e % len;
        uint64_t idx = starts[row] + c;
        if (s.dist == WINIT_DIST_POLAR) { /* pairs */
            winit_fill_range(&s, one, idx & ~(uint64_t)1, 2);
            CHECK(memcmp(one + (idx & 1) * esz, out + e * esz, esz) == 0);
        } else {
            winit_fill_range(&s, one, idx, 1);
            CHECK(memcmp(one, out + e * esz, esz) == 0);
        }
    }
    /* uniform / truncated normal with finite sane params stay in their bounds */
    if (s.dist == WINIT_DIST_UNIFORM && s.dtype == WINIT_DT_FLOAT64 && p[4] <= p[5]) {
        for (size_t e = 0; e < total; e++) { /* the clamp [lo, hi] holds whatever else */
            double v; memcpy(&v, out + e * 8, 8);
            CHECK(isnan(v) || (v >= p[4] && v <= p[5]));
        }
    }
    if (s.dist == WINIT_DIST_TRUNCNORM && s.dtype == WINIT_DT_FLOAT64 && p[0] < p[1] &&
        isfinite(p[2]) && isfinite(p[3]) && p[3] > 0 && p[4] <= p[5]) {
        for (size_t e = 0; e < total; e++) {
            double v; memcpy(&v, out + e * 8, 8);
            CHECK(isnan(v) || (v >= p[4] && v <= p[5]));
        }
    }
    free(buf);
    winit_set_simd_level(2); /* back to the best available */
    return 0;
}
