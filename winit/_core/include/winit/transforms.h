/* winit/transforms.h -- raw 32-bit words -> floating-point values.
 * Every conversion here is exact or a single correctly rounded IEEE op, plus
 * the approximations of mathfn.h, so host and device agree bit for bit. */
#ifndef WINIT_TRANSFORMS_H
#define WINIT_TRANSFORMS_H

#include "common.h"
#include "mathfn.h"

#define WINIT_P2M22 2.384185791015625e-07                 /* 2^-22 */
#define WINIT_P2M23F 1.1920928955078125e-07f              /* 2^-23 */
#define WINIT_P2M24F 5.9604644775390625e-08f              /* 2^-24 */
#define WINIT_P2M52 2.220446049250313080847263336181640625e-16 /* 2^-52 */
#define WINIT_P2M53 1.1102230246251565404236316680908203125e-16 /* 2^-53 */

/* ---- float32 uniforms from one word (int32 casts: exact, and vectorise) ---- */

/* [0, 1): top 24 bits, k * 2^-24. */
WINIT_HD float winit_u01_co_f32(uint32_t w) {
    return (float)(int32_t)(w >> 8) * WINIT_P2M24F;
}
/* (0, 1]: (k + 1) * 2^-24 (the sum is exact). */
WINIT_HD float winit_u01_oc_f32(uint32_t w) {
    return winit_u01_co_f32(w) + WINIT_P2M24F;
}
/* (0, 1): top 23 bits, (2k + 1) * 2^-24 -- in [2^-24, 1 - 2^-24], never 0 or 1. */
WINIT_HD float winit_u01_oo_f32(uint32_t w) {
    return (float)(int32_t)(w >> 9) * WINIT_P2M23F + WINIT_P2M24F;
}

/* ---- float64 uniforms from two words (lo = word 2j, hi = word 2j+1) ----
 * k53 = (hi >> 10) * 2^31 + (lo >> 1): 22 + 31 bits, both parts exact through
 * int32 -> double, and their scaled sum is exact. */
WINIT_HD double winit_u01_co_f64(uint32_t lo, uint32_t hi) {
    return (double)(int32_t)(hi >> 10) * WINIT_P2M22 + (double)(int32_t)(lo >> 1) * WINIT_P2M53;
}
/* (0, 1]: (k53 + 1) * 2^-53. */
WINIT_HD double winit_u01_oc_f64(uint32_t lo, uint32_t hi) {
    return winit_u01_co_f64(lo, hi) + WINIT_P2M53;
}
/* (0, 1): k52 = (hi >> 10) * 2^30 + (lo >> 2); (2 k52 + 1) * 2^-53. */
WINIT_HD double winit_u01_oo_f64(uint32_t lo, uint32_t hi) {
    return (double)(int32_t)(hi >> 10) * WINIT_P2M22 + (double)(int32_t)(lo >> 2) * WINIT_P2M52
           + WINIT_P2M53;
}

/* ---- Box-Muller: one (0,1] radius uniform and one [0,1) angle uniform give two normals ---- */
WINIT_HD void winit_box_muller_f32(float u_r, float u_t, float *z0, float *z1) {
    float r = sqrtf(-2.0f * winit_logf(u_r));
    float s, c;
    winit_sincos2pif(u_t, &s, &c);
    *z0 = r * c;
    *z1 = r * s;
}
WINIT_HD void winit_box_muller_f64(double u_r, double u_t, double *z0, double *z1) {
    double r = sqrt(-2.0 * winit_log(u_r));
    double s, c;
    winit_sincos2pi(u_t, &s, &c);
    *z0 = r * c;
    *z1 = r * s;
}

/* ---- Truncated standard normal by inverse CDF ----
 * The interval (a, b) is first reflected so that it leans left (a + b <= 0);
 * then, for u in (0,1):
 *   direct: p = pa + u*D (D = P(a<Z<b)); x = ndtri(p) if p <= 1/2, else
 *           x = -ndtri(qb + (1-u)*D) with qb = Phi(-b): both tails keep full
 *           relative precision.
 *   log:    (far left tail, Phi(b) tiny)  log p = lb + log(r + u*(1-r)),
 *           lb = log Phi(b), r = Phi(a)/Phi(b); x = ndtri_log(log p).
 * The constants come from winit_tn_setup_* (host, once per call). */
#define WINIT_TN_FLIP 1 /* negate x: the interval was reflected */
#define WINIT_TN_LOG 2  /* far-tail log-space branch */
#define WINIT_TN_WIDE 4 /* float32 output computed in float64: the interval is too narrow
                           (or too far out) for float32 arithmetic to resolve it */
#define WINIT_TN_FLAT 8 /* the density is flat across the interval to 2^-30: uniform on
                           [lo, hi] (y = lo + u d, d = hi - lo) */

typedef struct {
    double loc, scale, lo, hi, pa, qb, d, lb, r, omr;
    int32_t mode;
} winit_tn_f64;

typedef struct {
    float loc, scale;   /* y = loc + scale * x */
    float lo, hi;       /* the bounds in output units (a rounding guard only) */
    float pa, qb, d;    /* direct branch */
    float lb, r, omr;   /* log branch: omr = 1 - r */
    int32_t mode;
    winit_tn_f64 wide;  /* WINIT_TN_WIDE: computed in float64, then rounded */
} winit_tn_f32;

WINIT_HD double winit_truncnorm_f64(double u, const winit_tn_f64 *t) {
    double x;
    if (t->mode & WINIT_TN_FLAT) {
        double y = fma(u, t->d, t->lo);
        y = y < t->lo ? t->lo : y;
        return y > t->hi ? t->hi : y;
    }
    if (t->mode & WINIT_TN_LOG) {
        x = winit_ndtri_log(t->lb + winit_log(fma(u, t->omr, t->r)));
    } else {
        double p = fma(u, t->d, t->pa);
        double q = fma(1.0 - u, t->d, t->qb);
        int lower = p <= 0.5;
        x = winit_ndtri_lower(lower ? p : q);
        x = lower ? x : -x;
    }
    x = (t->mode & WINIT_TN_FLIP) ? -x : x;
    double y = fma(x, t->scale, t->loc);
    y = y < t->lo ? t->lo : y;
    return y > t->hi ? t->hi : y;
}

WINIT_HD float winit_truncnorm_f32(float u, const winit_tn_f32 *t) {
    float x;
    if (t->mode & WINIT_TN_WIDE) { /* u is exact in double; one rounding to float */
        float y = (float)winit_truncnorm_f64((double)u, &t->wide);
        y = y < t->lo ? t->lo : y;
        return y > t->hi ? t->hi : y;
    }
    if (t->mode & WINIT_TN_LOG) {
        x = winit_ndtri_logf(t->lb + winit_logf(fmaf(u, t->omr, t->r)));
    } else {
        float p = fmaf(u, t->d, t->pa);
        float q = fmaf(1.0f - u, t->d, t->qb);
        int lower = p <= 0.5f;
        x = winit_ndtri_lowerf(lower ? p : q);
        x = lower ? x : -x;
    }
    x = (t->mode & WINIT_TN_FLIP) ? -x : x;
    float y = fmaf(x, t->scale, t->loc);
    y = y < t->lo ? t->lo : y;
    return y > t->hi ? t->hi : y;
}


/* Thresholds (standardised, after reflection) below which b uses the log branch:
 * Phi(-9) ~ 1e-19 keeps float32 p far from subnormal; Phi(-35) ~ 1e-268 for float64. */
#define WINIT_TN_LOG_B_F32 (-9.0)
#define WINIT_TN_LOG_B_F64 (-35.0)

/* Host-side setup for standardised bounds a < b (may be +-inf) and y = loc + scale*x,
 * computed in double with the header's own ndtr/log/exp so every platform gets the
 * same constants. Returns the mode. */
WINIT_HD int32_t winit_tn_constants(double a, double b, double log_b_threshold,
                                    double c[6] /* pa, qb, d, lb, r, omr */) {
    int32_t mode = 0;
    if (a + b > 0) { /* reflect (NaN for (-inf, inf) keeps it as is) */
        double t = a; a = -b; b = -t;
        mode |= WINIT_TN_FLIP;
    }
    if (b < log_b_threshold) {
        double la = winit_log_ndtr(a), lb = winit_log_ndtr(b);
        double r = winit_exp(la - lb);
        c[0] = 0; c[1] = 0; c[2] = 0;
        c[3] = lb; c[4] = r; c[5] = 1.0 - r;
        mode |= WINIT_TN_LOG;
    } else {
        double pa = winit_ndtr(a), pb = winit_ndtr(b), qb = winit_ndtr(-b);
        c[0] = pa; c[1] = qb;
        c[2] = (b <= 0) ? pb - pa : (1.0 - pa) - qb; /* P(a < Z < b), no cancellation */
        c[3] = 0; c[4] = 0; c[5] = 0;
    }
    return mode;
}

/* Nearest float32 >= x (round_up) or <= x (round_down) for finite or infinite x:
 * bounds rounded inward so the rounding guard never widens an interval. */
WINIT_HD float winit_f32_round_up(double x) {
    float f = (float)x;
    if ((double)f < x) {
        uint32_t u = winit_f32_bits(f);
        f = winit_bits_f32(f == 0.0f ? 1u : (u & 0x80000000u) ? u - 1u : u + 1u);
    }
    return f;
}
WINIT_HD float winit_f32_round_down(double x) {
    return -winit_f32_round_up(-x);
}

/* ---- float32 -> float16 / bfloat16 bits, round to nearest even ---- */
WINIT_HD uint16_t winit_f32_to_bf16(float x) {
    uint32_t u = winit_f32_bits(x);
    if ((u & 0x7fffffffu) > 0x7f800000u) /* NaN: keep it quiet */
        return (uint16_t)((u >> 16) | 0x40u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

WINIT_HD uint16_t winit_f32_to_f16(float x) {
    uint32_t u = winit_f32_bits(x);
    uint32_t sign = (u >> 16) & 0x8000u;
    uint32_t a = u & 0x7fffffffu;
    if (a >= 0x7f800000u) /* inf or NaN */
        return (uint16_t)(sign | 0x7c00u | (a > 0x7f800000u ? 0x200u : 0u));
    if (a >= 0x477ff000u) /* rounds to >= 65520: overflow to inf */
        return (uint16_t)(sign | 0x7c00u);
    if (a < 0x38800000u) { /* f16 subnormal (or zero): |x| < 2^-14 */
        if (a < 0x33000000u) /* < 2^-25: rounds to zero (2^-25 itself ties to 0) */
            return (uint16_t)sign;
        uint32_t e = a >> 23;                  /* biased f32 exponent, 102..112 */
        uint32_t m = (a & 0x7fffffu) | 0x800000u;
        uint32_t shift = 126u - e;             /* 14..24: m * 2^(e-150) in units of 2^-24 */
        uint32_t q = m >> shift, rem = m & ((1u << shift) - 1u), half = 1u << (shift - 1u);
        q += (rem > half) || (rem == half && (q & 1u));
        return (uint16_t)(sign | q);
    }
    /* normal: rebias exponent (127 -> 15) and round 13 mantissa bits */
    uint32_t r = a - 0x38000000u; /* (e - 112) << 23 | m */
    r += 0xfffu + ((r >> 13) & 1u);
    return (uint16_t)(sign | (r >> 13));
}

#endif /* WINIT_TRANSFORMS_H */
