/* winit/mathfn.h -- elementary functions for the value paths: our own
 * polynomial / rational approximations using only + - * / sqrt, explicit
 * fma (host-only set-up code) and integer bit manipulation, so that every
 * IEEE host (gcc/clang/MSVC, any SIMD level, -ffp-contract=off) and nvcc
 * (--fmad=false, IEEE div/sqrt, no --use_fast_math) give the same bits.
 *
 * Coefficients were fitted by us (weighted minimax, Lawson iterations on
 * Chebyshev grids in mpmath against high-precision references; the script
 * is tests/data/mathfn_fit.py).  Max errors quoted are measured against
 * mpmath / float64 references (tests/test_mathfn.py; "exhaustive" = every
 * float input of the range).
 *
 * Hot functions (logf, sincos2pif, ndtri_lowerf, log, sincos2pi,
 * ndtri_lower) are branch-free: every branch is computed and selected, so
 * gcc -O3 vectorises loops that call them.
 */
#ifndef WINIT_MATHFN_H
#define WINIT_MATHFN_H

#include "common.h"

/* ======================================================================
 * log
 * ====================================================================== */

/* log(x) = hi + lo, x > 0 finite (subnormals too), |lo| <= ulp(hi)/2.
 * x = 2^e m, m in [sqrt(1/2), sqrt(2)), f = m - 1 exact,
 * log1p(f) = f - f^2/2 + f^3 P(f) (degree-7 P, rel. error 2^-27.3);
 * e ln2 + f summed exactly (Fast2Sum), the rest added once.
 * hi: max 0.8x ulp; hi + lo: rel. error < 2^-28. */
WINIT_HD float winit__logf_hl(float x, float *lo)
{
    const float ln2_hi = 0.693145751953125f;       /* 15 bits: e*ln2_hi exact */
    const float ln2_lo = 1.428606765330187e-06f;
    int sub = x < 1.17549435e-38f;
    float xs = sub ? x * 8388608.0f : x;           /* 2^23 */
    uint32_t u = winit_f32_bits(xs) + (0x3f800000u - 0x3f3504f3u);  /* 0x3f3504f3: sqrt(1/2) */
    float e = (float)((int32_t)(u >> 23) - (sub ? 150 : 127));
    float f = winit_bits_f32((u & 0x7fffffu) + 0x3f3504f3u) - 1.0f;
    float P = 0.3333333134651184f + f * (-0.2500081956386566f + f * (0.20001240074634552f
            + f * (-0.1662340760231018f + f * (0.1420162171125412f + f * (-0.13159672915935516f
            + f * (0.12761928141117096f + f * -0.07635889947414398f))))));
    float c = f * f * (-0.5f + f * P);             /* log1p(f) - f */
    float h1 = e * ln2_hi;
    float s = h1 + f;                              /* Fast2Sum: |h1| >= |f| or h1 = 0 */
    float rest = ((h1 - s) + f) + (e * ln2_lo + c);
    float h = s + rest;
    *lo = rest - (h - s);
    return h;
}

/* natural log, x > 0 finite (normal or subnormal).  Max error 0.92 ulp
 * (exhaustive over all positive floats). */
WINIT_HD float winit_logf(float x)
{
    float lo;
    return winit__logf_hl(x, &lo);
}

/* log(x) = hi + lo for doubles, same reduction as logf;
 * log1p(f) = f - f^2/2 + s (f^2/2 + R(s^2)), s = f/(2+f), R(z) = z Q(z) with
 * degree-6 Q (error 2^-59.5).  hi: max 0.78 ulp measured. */
WINIT_HD double winit__log_hl(double x, double *lo)
{
    const double ln2_hi = 0.6931471806019545;      /* 32 bits: e*ln2_hi exact */
    const double ln2_lo = -4.2009150726810846e-11;
    int sub = x < 2.2250738585072014e-308;
    double xs = sub ? x * 18014398509481984.0 : x; /* 2^54 */
    uint64_t u = winit_f64_bits(xs) + (0x3ff0000000000000ull - 0x3fe6a09e667f3bcdull);
    /* exponent as a double without an int64 -> double conversion */
    double e = winit_bits_f64(0x4330000000000000ull | (u >> 52)) - (sub ? 4503599627371573.0 : 4503599627371519.0);
    double f = winit_bits_f64((u & 0x000fffffffffffffull) + 0x3fe6a09e667f3bcdull) - 1.0;
    double s = f / (2.0 + f);
    double z = s * s;
    double R = z * (0.6666666666666734 + z * (0.3999999999941687 + z * (0.28571428741964067
             + z * (0.22222198611900595 + z * (0.18183562499014813 + z * (0.15314093629156453
             + z * 0.14795547993173871))))));
    double hf = 0.5 * f * f;
    double c = s * (hf + R) - hf;                  /* log1p(f) - f */
    double h1 = e * ln2_hi;
    double sm = h1 + f;
    double rest = ((h1 - sm) + f) + (e * ln2_lo + c);
    double h = sm + rest;
    *lo = rest - (h - sm);
    return h;
}

/* natural log, x > 0 finite (normal or subnormal). */
WINIT_HD double winit_log(double x)
{
    double lo;
    return winit__log_hl(x, &lo);
}

/* ======================================================================
 * exp
 * ====================================================================== */

/* exp(x), any finite x: x = k ln2 + r (Cody-Waite, |r| <= ln2/2),
 * exp(r) = 1 + r + r^2 E(r) (degree-10 E, rel. error 2^-63.8), times 2^k in
 * two exact steps so that subnormal results are rounded once.  Overflows
 * to +inf above 709.78, underflows to 0 below -745.13.  Max error 0.91 ulp. */
WINIT_HD double winit_exp(double x)
{
    const double ln2_hi = 0.6931471806019545;
    const double ln2_lo = -4.2009150726810846e-11;
    double xc = x > 709.8 ? 709.8 : (x < -745.2 ? -745.2 : x);
    double kd = xc * 1.4426950408889634 + 6755399441055744.0;   /* round to integer */
    uint64_t kb = (winit_f64_bits(kd) & 0x000fffffffffffffull) - 0x0008000000000000ull + 2048u;
    kd -= 6755399441055744.0;
    double r = (xc - kd * ln2_hi) - kd * ln2_lo;
    double E = 0.5 + r * (0.1666666666666668 + r * (0.04166666666666641 + r * (0.008333333333319275
             + r * (0.0013888888889036432 + r * (0.00019841269891812837 + r * (2.4801587017461646e-05
             + r * (2.755723876311537e-06 + r * (2.755753403917114e-07 + r * (2.5110845614922784e-08
             + r * 2.0835866317168207e-09)))))))));
    double p = 1.0 + (r + r * r * E);
    /* k + 2048 = kb; split k = k1 + k2 with k1, k2 in [-538, 512] */
    uint64_t k1b = (kb >> 1) - 1u;                 /* k1 + 1023, k1 = floor(k/2) */
    uint64_t k2b = kb - (kb >> 1) - 1u;            /* k2 + 1023, k2 = k - k1 */
    return (p * winit_bits_f64(k1b << 52)) * winit_bits_f64(k2b << 52);
}

/* ======================================================================
 * sin(2 pi u), cos(2 pi u)
 * ====================================================================== */

/* u in [0, 1) (any |u| < 2^21 works): k = nearest integer to 4u, r = u - k/4
 * exact, |r| <= 1/8; sin(2 pi r) = 6r + r (S(r^2)) (6r exact for multiples
 * of 2^-24), cos(2 pi r) = 1 + r^2 C(r^2), then the quadrant swap/negate.
 * Exact 0 / +-1 at quarter points (zeros are +0).  Max error 1.13 ulp
 * (exhaustive over multiples of 2^-24 in [0, 1)). */
WINIT_HD void winit_sincos2pif(float u, float *s, float *c)
{
    float kt = u * 4.0f + 12582912.0f;             /* 1.5*2^23: round to integer */
    uint32_t q = winit_f32_bits(kt);               /* low bits: k mod 4 */
    float r = u - 0.25f * (kt - 12582912.0f);
    float x = r * r;
    float sn = 6.0f * r + r * (0.28318527340888977f + x * (-41.34164810180664f
             + x * (81.59030151367188f + x * -75.31172180175781f)));
    float cs = 1.0f + x * (-19.739208221435547f + x * (64.93914794921875f
             + x * (-85.4244155883789f + x * 58.61138916015625f)));
    uint32_t m = 0u - (q & 1u);                    /* all ones: swap */
    uint32_t sb = winit_f32_bits(sn), cb = winit_f32_bits(cs);
    *s = winit_bits_f32(((cb & m) | (sb & ~m)) ^ ((q & 2u) << 30)) + 0.0f;
    *c = winit_bits_f32(((sb & m) | (cb & ~m)) ^ (((q + 1u) & 2u) << 30)) + 0.0f;
}

/* Same in double (6r exact for multiples of 2^-53; S, C degree 6).
 * Max error 1.05 ulp measured. */
WINIT_HD void winit_sincos2pi(double u, double *s, double *c)
{
    double kt = u * 4.0 + 6755399441055744.0;      /* 1.5*2^52 */
    uint64_t q = winit_f64_bits(kt);
    double r = u - 0.25 * (kt - 6755399441055744.0);
    double x = r * r;
    double sn = 6.0 * r + r * (0.28318530717958645 + x * (-41.34170224039963 + x * (81.6052492759421
              + x * (-76.70585970276923 + x * (42.058684842714726 + x * (-15.093794429501886
              + x * 3.7806650854661545))))));
    double cs = 1.0 + x * (-19.739208802178716 + x * (64.93939402266668 + x * (-85.4568172059893
              + x * (60.24464122725731 + x * (-26.426241135750406 + x * (7.902629496632622
              + x * -1.6883034496553047))))));
    uint64_t m = 0u - (q & 1u);                    /* all ones: swap */
    uint64_t sb = winit_f64_bits(sn), cb = winit_f64_bits(cs);
    *s = winit_bits_f64(((cb & m) | (sb & ~m)) ^ ((q & 2u) << 62)) + 0.0;
    *c = winit_bits_f64(((sb & m) | (cb & ~m)) ^ (((q + 1u) & 2u) << 62)) + 0.0;
}

/* ======================================================================
 * Inverse normal CDF
 * ====================================================================== */

/* Tail for the float functions, in double: x = N(r)/D(r), r = sqrt(w),
 * w = -log p in [log 4, 105]; degree (5,4), rel. error 2^-30.6. */
WINIT_HD double winit__ndtri_tailf(double w)
{
    double r = sqrt(w);
    double n = 3.1971267599725124 + r * (11.597772258482168 + r * (-5.013258056620984
             + r * (-13.046052447077741 + r * (-3.6751622034697893 + r * -0.20902789497048824))));
    double d = 1.0 + r * (7.830474197304753 + r * (9.603835678585689 + r * (2.600504479316602
             + r * 0.14779076253039247)));
    return n / d;
}

/* Central part for the float functions: x/t - sqrt(2 pi) = u R(1/16 - u),
 * u = t^2 <= 1/16, R degree (2,2) (rel. error of x/t 2^-33). */
#define WINIT__NDTRI_CF(T, v) \
    ((T)3.0612916946411133 + (v) * ((T)10.6289701461792 + (v) * (T)1.7252436876296997)) / \
    ((T)1.0 + (v) * ((T)6.2418999671936035 + (v) * (T)8.130749702453613))

/* x = Phi^-1(p), p in (0, 1/2] (subnormals too); x <= 0, exactly 0 at 1/2.
 * p >= 1/4: t = p - 1/2 exact, x = t c0 + t u R, with t c0 split so that the
 * leading product is exact; p < 1/4: tail in double from log p = hi + lo.
 * Max error 0.71 ulp (exhaustive over [1e-37, 0.5]; 0.51 for subnormal p). */
WINIT_HD float winit_ndtri_lowerf(float p)
{
    float t = p - 0.5f;
    float u = t * t;
    float v = 0.0625f - u;
    float R = WINIT__NDTRI_CF(float, v);
    float th = winit_bits_f32(winit_f32_bits(t) & 0xfffff000u);   /* 12 bits */
    float tl = t - th;
    /* sqrt(2 pi) = 2.5068359375 (12 bits) - 2.0766287e-4 */
    float xc = th * 2.5068359375f + (tl * 2.5068359375f + t * (-0.0002076628734357655f + u * R));
    float lo, lg = winit__logf_hl(p, &lo);
    float xt = (float)winit__ndtri_tailf(-((double)lg + (double)lo));
    return p >= 0.25f ? xc : xt;
}

/* Double tail helper: h(r) in x^2 = 2w - log(4 pi w) + h, r = sqrt(w), two
 * pieces selected per element: r < 5: degree (8,8) in r - 1.609
 * (error 2^-67 rel. to x^2), r >= 5: (7,7) in r - 5 (2^-60.6). */
WINIT_HD void winit__ndtri_h_nd(double r, double *num, double *den)
{
    int a = r < 5.0;
    double s = r - (a ? 1.609 : 5.0);
    *num = (a ? 0.3746245631713538 : 0.07759431379104881) + s * ((a ? 0.6342459926033418 : 0.033373758793524846)
             + s * ((a ? 0.4198624845091395 : 0.005152731680978516) + s * ((a ? 0.1398751369603027 : 0.00033902181757260007)
             + s * ((a ? 0.024570888617069794 : 9.039044610196814e-06) + s * ((a ? 0.002026911652661462 : 7.52299762449022e-08)
             + s * ((a ? 5.6635041785604764e-05 : 4.077309390524301e-11) + s * ((a ? 1.2237094541557373e-07 : -5.592081710432776e-14)
             + s * (a ? -5.533832590666922e-10 : 0.0))))))));
    *den = 1.0 + s * ((a ? 2.4541007197775837 : 0.7347599471882227) + s * ((a ? 2.5272957097618236 : 0.2171198522410482)
             + s * ((a ? 1.4230267303121433 : 0.03279079785791366) + s * ((a ? 0.47642940102692694 : 0.00265437790394548)
             + s * ((a ? 0.09576666581319243 : 0.00011037638005164772) + s * ((a ? 0.01093536612692127 : 2.0557532351899943e-06)
             + s * ((a ? 0.0006066664827217909 : 1.2128907496883307e-08) + s * (a ? 1.1239613284123091e-05 : 0.0))))))));
}

/* x = Phi^-1(p) for p < 0.075 from w = wh + wl = -log p (|wl| <= ulp(wh)):
 * x = -sqrt(2w - log(4 pi) - log w + h(sqrt w)), the sum kept exact
 * (TwoSum) up to the final rounding. */
WINIT_HD double winit__ndtri_tail_fin(double wh, double wl, double h)
{
    double llo, lw = winit__log_hl(wh, &llo);
    llo += wl / wh;
    /* -(log 4pi + log w): TwoSum of the high parts */
    double a = -2.5310242469692907, b = -lw;
    double s1 = a + b, bb = s1 - a, e1 = (a - (s1 - bb)) + (b - bb);
    /* + 2 wh (exact doubling): TwoSum */
    double c = 2.0 * wh;
    double s2 = c + s1, cc = s2 - c, e2 = (c - (s2 - cc)) + (s1 - cc);
    double Y = s2 + (((e2 + e1) + (2.0 * wl - llo - 5.664688743963382e-17)) + h);
    return -sqrt(Y);
}

WINIT_HD double winit__ndtri_tail(double wh, double wl)
{
    double n, d;
    winit__ndtri_h_nd(sqrt(wh), &n, &d);
    return winit__ndtri_tail_fin(wh, wl, n / d);
}

/* Central part in double: x = Phi^-1(1/2 + t + te), |t| <= 0.425, te tiny:
 * x = t c0 + t u R(0.180625 - u) + te / phi(x), u = t^2, R degree (7,7)
 * (rel. error of x/t 2^-57), the leading product t c0 split to be exact. */
WINIT_HD void winit__ndtri_central_nd(double t, double *num, double *den)
{
    double v = 0.180625 - t * t;
    *num = 4.874765941399953 + v * (190.16774258016412 + v * (2787.1054469837654 + v * (19111.00008861355
             + v * (62212.299746482386 + v * (86203.27097089642 + v * (36700.14200651819 + v * 572.1264925804625))))));
    *den = 1.0 + v * (45.03495851115118 + v * (791.546053806413 + v * (6885.749538452008 + v * (31077.697101991616
             + v * (69790.0111682297 + v * (67870.26748595336 + v * 19935.21634176023))))));
}
WINIT_HD double winit__ndtri_central_fin(double t, double te, double q)
{
    double u = t * t;
    double th = winit_bits_f64(winit_f64_bits(t) & 0xfffffffffc000000ull);   /* 27 bits */
    double tl = t - th;
    /* sqrt(2 pi) = 2.5066282749176025 (26 bits) - 2.8660204e-10;
     * 1/phi(x) ~ 3.8668 - 24.930 u + 231.47 u^2 (2% is enough for te) */
    return th * 2.5066282749176025 + ((tl * 2.5066282749176025 + t * (-2.866020366467347e-10 + u * q))
         + te * (3.8668463230133057 + u * (-24.929576873779297 + u * 231.46963500976562)));
}

WINIT_HD double winit__ndtri_central(double t, double te)
{
    double n, d;
    winit__ndtri_central_nd(t, &n, &d);
    return winit__ndtri_central_fin(t, te, n / d);
}

/* x = Phi^-1(p), p in (0, 1/2] (subnormals too); x <= 0, exactly 0 at 1/2.
 * p >= 0.075: central part with t = p - 1/2 and its rounding error te
 * (Fast2Sum); p < 0.075: winit__ndtri_tail with w = -log p.
 * Max error 1.16 ulp measured (0.83 for p < 0.075, down to 5e-324). */
WINIT_HD double winit_ndtri_lower(double p)
{
    double t = p - 0.5;
    double te = p - (t + 0.5);                     /* exact rounding error of t */
    double lo, lg = winit__log_hl(p, &lo);
    double nc, dc, nt, dt, q;
    int c = p >= 0.075;
    winit__ndtri_central_nd(t, &nc, &dc);
    winit__ndtri_h_nd(sqrt(-lg), &nt, &dt);
    q = (c ? nc : nt) / (c ? dc : dt);             /* one division for both */
    {
        double xc = winit__ndtri_central_fin(t, te, q);
        double xt = winit__ndtri_tail_fin(-lg, -lo, q);
        return c ? xc : xt;
    }
}

/* exp(lp) - 1/2 with small relative error for lp <= log(1/2): near log(1/2)
 * as expm1(lp + ln2)/2 (the exp polynomial), else exp(lp) - 1/2. */
WINIT_HD double winit__exp_minus_half(double lp)
{
    double d = (lp + 0.6931471806019545) + -4.2009150726810846e-11;
    if (d > -0.34657359027997264) {
        double E = 0.5 + d * (0.1666666666666668 + d * (0.04166666666666641 + d * (0.008333333333319275
                 + d * (0.0013888888889036432 + d * (0.00019841269891812837 + d * (2.4801587017461646e-05
                 + d * (2.755723876311537e-06 + d * (2.755753403917114e-07 + d * (2.5110845614922784e-08
                 + d * 2.0835866317168207e-09)))))))));
        return 0.5 * (d + d * d * E);
    }
    return winit_exp(lp) - 0.5;
}

/* Far tail from log p: z = x^2/2 solves
 *   z + log(4 pi z)/2 - G(1/(2z)) = L = -lp,
 * G(v) = log(sqrt(2 pi) |x| e^{x^2/2} Phi(x)) = -v + 5/2 v^2 - ... (fitted
 * polynomial); start z0 = L - log(4 pi L)/2, two Newton steps with
 * F' = 1 + v - 2 v^2; x = -2 sqrt(z/2). */
WINIT_HD double winit__ndtri_asym(double L, int dbl)
{
    double z = L - 0.5 * (winit_log(L) + 2.5310242469692907);
    int i;
    for (i = 0; i < 2; i++) {
        double v = 0.5 / z;
        double G = dbl
            ? v * (-0.9999999999996694 + v * (2.499999996258944 + v * (-12.333318009053478
              + v * (88.22083038770104 + v * -789.8986820433576))))
            : v * (-0.9999961097990846 + v * (2.4980661318945088 + v * (-11.997305199274802
              + v * 62.78745867000605)));
        double F = (z - L) + (0.5 * (winit_log(z) + 2.5310242469692907) - G);
        z -= F / (1.0 + v - 2.0 * v * v);
    }
    return -2.0 * sqrt(0.5 * z);
}

/* x = Phi^-1(exp(lp)), lp <= log(1/2).  lp < -40: asymptotic Newton (above);
 * lp < log(1/4): the double tail with w = -lp exact; otherwise the central
 * formula in double with p = exp(lp).  Max error 0.50 ulp for lp <= -40,
 * 0.51 above. */
WINIT_HD float winit_ndtri_logf(float lp)
{
    if (lp < -40.0f)
        return (float)winit__ndtri_asym(-(double)lp, 0);
    if (lp < -1.3862943649291992f)
        return (float)winit__ndtri_tailf(-(double)lp);
    {
        double t = winit__exp_minus_half((double)lp), u = t * t, v = 0.0625 - u;
        return (float)(t * (2.5066282746310002 + u * (WINIT__NDTRI_CF(double, v))));
    }
}

/* Double version: lp < -600: asymptotic Newton; lp < log(0.075): the tail
 * with w = -lp exact; otherwise the central part with t = exp(lp) - 1/2.  Max error
 * 0.73 ulp for lp <= -600, 0.86 on (-600, log 0.075), 2.1 above (x near 0). */
WINIT_HD double winit_ndtri_log(double lp)
{
    if (lp < -600.0)
        return winit__ndtri_asym(-lp, 1);
    if (lp < -2.5902671654458267)
        return winit__ndtri_tail(-lp, 0.0);
    return winit__ndtri_central(winit__exp_minus_half(lp), 0.0);
}

/* ======================================================================
 * Normal CDF (host set-up code: exact double-double evaluation, fma)
 * ====================================================================== */

typedef struct { double hi, lo; } winit__dd;

WINIT_HD winit__dd winit__dd_make(double hi, double lo)
{
    winit__dd r;
    double s = hi + lo;
    r.lo = lo - (s - hi);
    r.hi = s;
    return r;
}
WINIT_HD winit__dd winit__dd_add(winit__dd a, winit__dd b)
{
    double s = a.hi + b.hi, bb = s - a.hi;
    double e = (a.hi - (s - bb)) + (b.hi - bb);
    return winit__dd_make(s, e + (a.lo + b.lo));
}
WINIT_HD winit__dd winit__dd_mul(winit__dd a, winit__dd b)
{
    double p = a.hi * b.hi;
    double e = fma(a.hi, b.hi, -p);
    return winit__dd_make(p, e + (a.hi * b.lo + a.lo * b.hi));
}
WINIT_HD winit__dd winit__dd_div(winit__dd a, winit__dd b)
{
    double q1 = a.hi / b.hi;
    winit__dd r = winit__dd_add(a, winit__dd_mul(b, winit__dd_make(-q1, 0.0)));
    double q2 = r.hi / b.hi;
    r = winit__dd_add(r, winit__dd_mul(b, winit__dd_make(-q2, 0.0)));
    return winit__dd_add(winit__dd_make(q1, q2), winit__dd_make(r.hi / b.hi, 0.0));
}

/* exp(a) * 2^-k as a double-double with k returned, a <= 0 moderate. */
WINIT_HD winit__dd winit__dd_exp(winit__dd a, int *k)
{
    double kd = a.hi * 1.4426950408889634 + 6755399441055744.0;
    kd -= 6755399441055744.0;
    /* r = a - k ln2, ln2 in three parts */
    winit__dd r = winit__dd_add(a, winit__dd_make(-kd * 0.6931471805599453, -fma(kd, 0.6931471805599453, -kd * 0.6931471805599453)));
    r = winit__dd_add(r, winit__dd_make(-kd * 2.3190468138462996e-17, -fma(kd, 2.3190468138462996e-17, -kd * 2.3190468138462996e-17)));
    r = winit__dd_add(r, winit__dd_make(-kd * 5.707708438416212e-34, 0.0));
    /* exp(r), |r| < 0.35: Taylor series, 27 terms */
    winit__dd sum = winit__dd_make(1.0, 0.0), term = sum;
    int n;
    for (n = 1; n <= 27; n++) {
        term = winit__dd_div(winit__dd_mul(term, r), winit__dd_make((double)n, 0.0));
        sum = winit__dd_add(sum, term);
    }
    *k = (int)kd;
    return sum;
}

/* Phi(-t) / (1/sqrt(2 pi)), t >= 3 not needed: Mills ratio M(t) = Phi(-t)/phi(t)
 * by the continued fraction 1/(t+ 1/(t+ 2/(t+ 3/(t+ ...)))), 400 terms. */
WINIT_HD winit__dd winit__dd_mills(double t)
{
    winit__dd f = winit__dd_make(t, 0.0), td = f;
    int k;
    for (k = 400; k >= 1; k--)
        f = winit__dd_add(td, winit__dd_div(winit__dd_make((double)k, 0.0), f));
    return winit__dd_div(winit__dd_make(1.0, 0.0), f);
}

/* Phi(-t) for 0 <= t < 40 as (dd, k): Phi(-t) = result * 2^k. */
WINIT_HD winit__dd winit__dd_ndtr_neg(double t, int *k)
{
    const winit__dd rs2pi = winit__dd_make(0.3989422804014327, -2.49232720227773e-17);
    winit__dd t2 = winit__dd_make(t * t, fma(t, t, -(t * t)));
    winit__dd a = winit__dd_make(-0.5 * t2.hi, -0.5 * t2.lo);
    winit__dd ex = winit__dd_mul(winit__dd_exp(a, k), rs2pi);   /* phi(t) 2^-k */
    if (t < 3.0) {
        /* Phi(-t) = 1/2 - phi(t) sum_{n>=0} t^(2n+1)/(2n+1)!! */
        winit__dd term = winit__dd_make(t, 0.0), sum = term;
        int n;
        for (n = 1; n <= 90; n++) {
            term = winit__dd_div(winit__dd_mul(term, t2), winit__dd_make((double)(2 * n + 1), 0.0));
            sum = winit__dd_add(sum, term);
        }
        /* here k >= -7: scale back exactly */
        sum = winit__dd_mul(sum, ex);
        {
            double sc = (double)(1 << (-*k));
            sum.hi /= sc; sum.lo /= sc;
        }
        *k = 0;
        return winit__dd_add(winit__dd_make(0.5, 0.0), winit__dd_make(-sum.hi, -sum.lo));
    }
    return winit__dd_mul(ex, winit__dd_mills(t));
}

/* round hi + lo times 2^k to double (k in [-1100, 0]) */
WINIT_HD double winit__dd_ldexp(winit__dd a, int k)
{
    int k1 = k / 2, k2 = k - k1;
    double s1 = winit_bits_f64((uint64_t)(k1 + 1023) << 52);
    double s2 = winit_bits_f64((uint64_t)(k2 + 1023) << 52);
    return ((a.hi + a.lo) * s1) * s2;
}

/* Phi(x), the standard normal CDF, any x.  Double-double evaluation
 * (series for |x| < 3, continued fraction beyond, exp in double-double):
 * relative error < 1 ulp for x <= 0 down to the underflow. */
WINIT_HD double winit_ndtr(double x)
{
    int k;
    winit__dd q;
    if (x != x) return x;
    if (x <= 0.0) {
        if (x < -40.0) return 0.0;
        q = winit__dd_ndtr_neg(-x, &k);
        return winit__dd_ldexp(q, k);
    }
    if (x > 40.0) return 1.0;
    q = winit__dd_ndtr_neg(x, &k);
    {
        double sh = winit__dd_ldexp(winit__dd_make(q.hi, 0.0), k);
        double sl = winit__dd_ldexp(winit__dd_make(q.lo, 0.0), k);
        winit__dd one_minus = winit__dd_add(winit__dd_make(1.0, 0.0), winit__dd_make(-sh, -sl));
        return one_minus.hi + one_minus.lo;
    }
}

/* log Phi(x), any x.  x <= -3: -x^2/2 - log(2 pi)/2 + log M(-x) (no
 * underflow, fine for x = -1e150); -3 < x <= 0: log of the double-double
 * Phi; x > 0: log(1 - Phi(-x)) with 1 - Phi(-x) as a double-double. */
WINIT_HD double winit_log_ndtr(double x)
{
    int k;
    if (x != x) return x;
    if (x < -1e150) return -0.5 * x * x;           /* -inf for x = -inf */
    if (x <= -3.0) {
        double t = -x;
        winit__dd m = winit__dd_mills(t);
        winit__dd acc = winit__dd_make(-0.5 * t * t, -0.5 * fma(t, t, -(t * t)));
        double ml, mh = winit__log_hl(m.hi, &ml);
        acc = winit__dd_add(acc, winit__dd_make(-0.9189385332046728, 3.8782941580672414e-17));
        acc = winit__dd_add(acc, winit__dd_make(mh, ml + m.lo / m.hi));
        return acc.hi + acc.lo;
    }
    if (x <= 0.0) {
        winit__dd q = winit__dd_ndtr_neg(-x, &k);     /* k == 0 */
        double l, h = winit__log_hl(q.hi, &l);
        return h + (l + q.lo / q.hi);
    }
    if (x > 40.0) return 0.0;
    {
        winit__dd q = winit__dd_ndtr_neg(x, &k);
        double sh = winit__dd_ldexp(winit__dd_make(q.hi, 0.0), k);
        double sl = winit__dd_ldexp(winit__dd_make(q.lo, 0.0), k);
        winit__dd om = winit__dd_add(winit__dd_make(1.0, 0.0), winit__dd_make(-sh, -sl));
        double l, h = winit__log_hl(om.hi, &l);
        return h + (l + om.lo / om.hi);
    }
}

#undef WINIT__NDTRI_CF
#endif /* WINIT_MATHFN_H */
