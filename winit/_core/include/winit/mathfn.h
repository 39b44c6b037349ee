/* winit/mathfn.h -- elementary functions for the value paths: our own
 * polynomial / rational approximations using only + - * / sqrt and explicit
 * fma, so host and device give the same bits.  No libm calls except
 * fmaf/fma/sqrtf/sqrt (correctly rounded everywhere).
 *
 * TEMPORARY STUBS (libm) -- to be replaced by the real implementations.
 */
#ifndef WINIT_MATHFN_H
#define WINIT_MATHFN_H

#include "common.h"

/* natural log, x > 0 finite (normal or subnormal). */
WINIT_HD float  winit_logf(float x)  { return logf(x); }
WINIT_HD double winit_log(double x)  { return log(x); }

/* exp, any finite x (underflows to 0 / overflows to inf like IEEE). */
WINIT_HD double winit_exp(double x)  { return exp(x); }

/* sin(2 pi u) and cos(2 pi u) for u in [0, 1). */
WINIT_HD void winit_sincos2pif(float u, float *s, float *c) {
    *s = sinf(6.283185307179586f * u); *c = cosf(6.283185307179586f * u);
}
WINIT_HD void winit_sincos2pi(double u, double *s, double *c) {
    *s = sin(6.283185307179586 * u); *c = cos(6.283185307179586 * u);
}

/* Lower-tail inverse normal CDF: x = Phi^-1(p) for p in (0, 0.5]; x <= 0. */
WINIT_HD float  winit_ndtri_lowerf(float p);
WINIT_HD double winit_ndtri_lower(double p);

/* Inverse normal CDF from log p: x = Phi^-1(exp(lp)) for lp <= log(0.5),
 * accurate where exp(lp) underflows (far left tail). */
WINIT_HD float  winit_ndtri_logf(float lp);
WINIT_HD double winit_ndtri_log(double lp);

/* Phi(x) and log Phi(x) (standard normal CDF), any x; used once per call
 * on the host to set up truncated-normal constants. */
WINIT_HD double winit_ndtr(double x);
WINIT_HD double winit_log_ndtr(double x);

/* TEMPORARY definitions (libm + Newton) until the real ones land */
static inline double winit_ndtr(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }
static inline double winit_log_ndtr(double x) {
  if (x > -30) return log(winit_ndtr(x));
  double z=x*x, s = 1 - 1/z + 3/(z*z) - 15/(z*z*z) + 105/(z*z*z*z);
  return -0.5*z - log(-x) - 0.5*log(2*M_PI) + log(s);
}
static inline double winit_ndtri_lower(double p) {
  /* crude start then Newton */
  double t = sqrt(-2*log(p)); double x = -(t - (2.515517+0.802853*t+0.010328*t*t)/(1+1.432788*t+0.189269*t*t+0.001308*t*t*t));
  for (int i=0;i<4;i++){ double e = winit_ndtr(x)-p; x -= e/ (exp(-0.5*x*x)/sqrt(2*M_PI)); }
  return x;
}
static inline float winit_ndtri_lowerf(float p) { return (float)winit_ndtri_lower(p); }
static inline double winit_ndtri_log(double lp) {
  double x = -sqrt(-2*lp);
  for (int i=0;i<30;i++){ double f = winit_log_ndtr(x)-lp; double z=x*x; x -= f/(-x*(1+1/z)); }
  return x;
}
static inline float winit_ndtri_logf(float lp) { return (float)winit_ndtri_log(lp); }

#endif /* WINIT_MATHFN_H */
