/* winit/element.h -- THE map from (key, stream, flat element index) to a value.
 *
 * Frozen counter layout (changing it changes users' weights; see docs/reproducibility.md):
 *   Philox4x32-10, key = (k0, k1) from the seed.
 *   Block b of stream s has counter (b mod 2^32, b div 2^32, s mod 2^32, s div 2^32).
 *   s = stream id handed out by the Generator, plus (purpose << 56) for a scheme's
 *   auxiliary substreams (WINIT_PURPOSE_*).
 *   float32 family (f32, f16, bf16, raw u32): element i comes from block i / 4, and
 *     uniform / truncated normal use word i % 4; normal uses the Box-Muller pair
 *     (w0,w1) for elements 4b, 4b+1 (r from w0, cos / sin of angle w1) and (w2,w3)
 *     for 4b+2, 4b+3. f16 / bf16 are the float32 values rounded to nearest even.
 *   float64: element i comes from block i / 2, words (w[2j], w[2j+1]) with j = i % 2;
 *     normal uses both halves of the block for the pair 2b (cos), 2b+1 (sin).
 *   polar (complex values as (re, im) pairs): like normal, radius word first.
 * Every element depends only on (key, s, i): any thread split, SIMD width, GPU grid
 * or shard of a tensor gives the same bits. */
#ifndef WINIT_ELEMENT_H
#define WINIT_ELEMENT_H

#include "philox.h"
#include "transforms.h"

#define WINIT_PURPOSE_VALUES 0u
#define WINIT_PURPOSE_SPARSE 1u /* sparse_init: zero positions per unit */

#define WINIT_EPB_F32 4 /* elements per Philox block, float32 family and raw words */
#define WINIT_EPB_F64 2

WINIT_HD winit_u32x4 winit_counter(uint64_t block, uint64_t stream) {
    winit_u32x4 c;
    c.v[0] = (uint32_t)block;
    c.v[1] = (uint32_t)(block >> 32);
    c.v[2] = (uint32_t)stream;
    c.v[3] = (uint32_t)(stream >> 32);
    return c;
}

WINIT_HD winit_u32x4 winit_block_bits(uint32_t k0, uint32_t k1, uint64_t stream, uint64_t block) {
    winit_u32x2 k;
    k.v[0] = k0;
    k.v[1] = k1;
    return winit_philox4x32_10(winit_counter(block, stream), k);
}

/* y = loc + scale * x, one rounding (explicit fma). */
typedef struct { float loc, scale; } winit_affine_f32;
typedef struct { double loc, scale; } winit_affine_f64;

/* ---- one Philox block -> its elements, per distribution ----
 * Every block function has the form (words, const parameters *, elements): the kernel
 * list (kernels.h) calls them all alike. */

/* raw words (the parameter struct of a kernel that has none) */
typedef struct { int32_t unused; } winit_knone;
WINIT_HD void winit_block_bits_u32(winit_u32x4 w, const winit_knone *p, uint32_t y[4]) {
    (void)p;
    for (int j = 0; j < 4; j++) y[j] = w.v[j];
}

/* uniform [low, high): loc = low, scale = high - low, then clamped to [lo, hi]: the
 * smallest value >= low and the largest < high of the OUTPUT dtype (for float16 /
 * bfloat16 their grid, as float32 values), so the rounding of loc + scale * u (to the
 * compute dtype, then to the output) never gives high or leaves the interval. */
typedef struct { float loc, scale, lo, hi; } winit_uniform_f32;
typedef struct { double loc, scale, lo, hi; } winit_uniform_f64;

WINIT_HD void winit_block_uniform_f32(winit_u32x4 w, const winit_uniform_f32 *a, float y[4]) {
    for (int j = 0; j < 4; j++) {
        float v = fmaf(winit_u01_co_f32(w.v[j]), a->scale, a->loc);
        v = v < a->lo ? a->lo : v;
        y[j] = v > a->hi ? a->hi : v;
    }
}
WINIT_HD void winit_block_uniform_f64(winit_u32x4 w, const winit_uniform_f64 *a, double y[2]) {
    for (int j = 0; j < 2; j++) {
        double v = fma(winit_u01_co_f64(w.v[2 * j], w.v[2 * j + 1]), a->scale, a->loc);
        v = v < a->lo ? a->lo : v;
        y[j] = v > a->hi ? a->hi : v;
    }
}

/* normal: loc = mean, scale = std */
WINIT_HD void winit_block_normal_f32(winit_u32x4 w, const winit_affine_f32 *a, float y[4]) {
    float z[4];
    winit_box_muller_f32(winit_u01_oc_f32(w.v[0]), winit_u01_co_f32(w.v[1]), &z[0], &z[1]);
    winit_box_muller_f32(winit_u01_oc_f32(w.v[2]), winit_u01_co_f32(w.v[3]), &z[2], &z[3]);
    for (int j = 0; j < 4; j++) y[j] = fmaf(z[j], a->scale, a->loc);
}
WINIT_HD void winit_block_normal_f64(winit_u32x4 w, const winit_affine_f64 *a, double y[2]) {
    double z[2];
    winit_box_muller_f64(winit_u01_oc_f64(w.v[0], w.v[1]), winit_u01_co_f64(w.v[2], w.v[3]), &z[0], &z[1]);
    for (int j = 0; j < 2; j++) y[j] = fma(z[j], a->scale, a->loc);
}

/* truncated normal: constants from winit_tn_setup_* */
WINIT_HD void winit_block_truncnorm_f32(winit_u32x4 w, const winit_tn_f32 *t, float y[4]) {
    for (int j = 0; j < 4; j++) y[j] = winit_truncnorm_f32(winit_u01_oo_f32(w.v[j]), t);
}
WINIT_HD void winit_block_truncnorm_f64(winit_u32x4 w, const winit_tn_f64 *t, double y[2]) {
    for (int j = 0; j < 2; j++) y[j] = winit_truncnorm_f64(winit_u01_oo_f64(w.v[2 * j], w.v[2 * j + 1]), t);
}

/* polar (complex): element pair (2k, 2k+1) = (r cos t, r sin t), t = 2 pi u_t, from the
 * words (w0: radius, w1: angle) and (w2, w3) in float32; (w0,w1 | w2,w3) in float64.
 *   mode 0, uniform on the disk of radius `scale`:   r = scale * sqrt(u),        u in (0, 1]
 *   mode 1, complex normal truncated at |z| <= U:    r = scale * sqrt(-log(1 - c u)),
 *           u in [0, 1), c = 1 - exp(-U^2) (JAX's complex truncated normal) */
typedef struct { float scale, c; int32_t mode; } winit_polar_f32;
typedef struct { double scale, c; int32_t mode; } winit_polar_f64;

WINIT_HD float winit_polar_radius_f32(uint32_t w, const winit_polar_f32 *p) {
    float r2 = p->mode ? -winit_logf(fmaf(-p->c, winit_u01_co_f32(w), 1.0f)) : winit_u01_oc_f32(w);
    return p->scale * sqrtf(r2);
}
WINIT_HD double winit_polar_radius_f64(uint32_t lo, uint32_t hi, const winit_polar_f64 *p) {
    double r2 = p->mode ? -winit_log(fma(-p->c, winit_u01_co_f64(lo, hi), 1.0)) : winit_u01_oc_f64(lo, hi);
    return p->scale * sqrt(r2);
}
WINIT_HD void winit_block_polar_f32(winit_u32x4 w, const winit_polar_f32 *p, float y[4]) {
    for (int k = 0; k < 2; k++) {
        float r = winit_polar_radius_f32(w.v[2 * k], p), s, c;
        winit_sincos2pif(winit_u01_co_f32(w.v[2 * k + 1]), &s, &c);
        y[2 * k] = r * c;
        y[2 * k + 1] = r * s;
    }
}
WINIT_HD void winit_block_polar_f64(winit_u32x4 w, const winit_polar_f64 *p, double y[2]) {
    double r = winit_polar_radius_f64(w.v[0], w.v[1], p), s, c;
    winit_sincos2pi(winit_u01_co_f64(w.v[2], w.v[3]), &s, &c);
    y[0] = r * c;
    y[1] = r * s;
}

/* Setup for truncated normal with standardised bounds (a, b), output loc + scale*x,
 * output bounds lo/hi. Run once per call on the host. */
WINIT_HD winit_tn_f64 winit_tn_setup_f64(double a, double b, double loc, double scale,
                                          double lo, double hi) {
    double c[6];
    winit_tn_f64 t;
    t.mode = winit_tn_constants(a, b, WINIT_TN_LOG_B_F64, c);
    t.loc = loc; t.scale = scale; t.lo = lo; t.hi = hi;
    t.pa = c[0]; t.qb = c[1]; t.d = c[2]; t.lb = c[3]; t.r = c[4]; t.omr = c[5];
    /* the density varies by less than 2^-30 across [a, b] (a narrow interval): uniform on
     * [lo, hi] -- the inverse CDF cannot resolve such an interval in p */
    double a2 = a * a, b2 = b * b;
    double top = a2 > b2 ? a2 : b2, bottom = (a <= 0 && b >= 0) ? 0.0 : (a2 < b2 ? a2 : b2);
    if (a > -1e300 && b < 1e300 && (top - bottom) * 0.5 <= 9.313225746154785e-10 /* 2^-30 */) {
        t.mode = WINIT_TN_FLAT;
        t.d = hi - lo;
    }
    return t;
}
WINIT_HD winit_tn_f32 winit_tn_setup_f32(double a, double b, double loc, double scale,
                                          double lo, double hi) {
    double c[6];
    winit_tn_f32 t;
    t.mode = winit_tn_constants(a, b, WINIT_TN_LOG_B_F32, c);
    t.loc = (float)loc; t.scale = (float)scale; t.lo = winit_f32_round_up(lo); t.hi = winit_f32_round_down(hi);
    t.pa = (float)c[0]; t.qb = (float)c[1]; t.d = (float)c[2];
    t.lb = (float)c[3]; t.r = (float)c[4]; t.omr = (float)c[5];
    t.wide = winit_tn_setup_f64(a, b, loc, scale, lo, hi);
    if (t.wide.mode & WINIT_TN_FLAT) { /* uniform on [lo, hi]: in float64, then rounded */
        t.mode = WINIT_TN_WIDE | WINIT_TN_FLAT;
        return t;
    }
    /* float32 resolves p (or log p) over the interval to ~2^-20 of its width only if
     * the mass is not tiny next to p itself; and its constants need |a|, |b| < 1e15. */
    double fa = a < 0 ? -a : a, fb = b < 0 ? -b : b;
    int far = (fa < 1e300 && fa > 1e15) || (fb < 1e300 && fb > 1e15);
    int narrow = (t.mode & WINIT_TN_LOG)
        ? (c[3] - winit_log_ndtr(t.mode & WINIT_TN_FLIP ? -b : a)) * 16.0 < -c[3]
        : c[2] * 16.0 < (c[0] + c[2] < 0.5 ? c[0] + c[2] : 0.5);
    if (far || narrow) t.mode |= WINIT_TN_WIDE;
    return t;
}

#endif /* WINIT_ELEMENT_H */
