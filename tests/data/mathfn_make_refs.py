"""Regenerate tests/data/mathfn_refs.npz (reference values for tests/test_mathfn.py).

    python tests/data/mathfn_make_refs.py        # mpmath >= 1.3; gmpy2 makes it ~10x faster

Inputs are drawn with fixed seeds; each reference is computed with mpmath at
50 significant digits and stored as a double-double (hi, lo = ref - hi), so
the tests can measure errors in ulps exactly.  Phi^-1 is found by Newton
iterations on log Phi until the step is below 1e-45 relative; log Phi for
x < -1000 uses the asymptotic series (30 terms, error < 1e-80), for x > 0
log1p(-Phi(-x)).
"""
import os
import numpy as np
import mpmath as mp

mp.mp.dps = 50


def log_ndtr_mp(x):
    x = mp.mpf(x)
    if x < -1000:
        v = 1 / (x * x)
        s = term = mp.mpf(1)
        for n in range(1, 30):
            term *= -(2 * n - 1) * v
            s += term
        return -x * x / 2 - mp.log(-x) - mp.log(2 * mp.pi) / 2 + mp.log(s)
    if x > 0:
        return mp.log1p(-mp.ncdf(-x))
    return mp.log(mp.ncdf(x))


def ndtri_log_mp(lp):
    lp = mp.mpf(lp)
    L = -lp
    if L < 700:
        import scipy.special as sc
        x = mp.mpf(float(sc.ndtri(float(mp.exp(lp)))))
    else:
        x = -mp.sqrt(2 * (L - mp.log(4 * mp.pi * L) / 2))
    for _ in range(200):
        if x < -1000:
            d = (log_ndtr_mp(x) - lp) / (-x - 1 / x)
        else:
            P = mp.ncdf(x)
            d = (mp.log(P) - lp) / (mp.npdf(x) / P)
        x -= d
        if abs(d) < abs(x) * mp.mpf(10) ** -45:
            break
    return x


def dd(vals):
    hi = np.array([float(v) for v in vals])
    lo = np.array([float(v - mp.mpf(h)) for v, h in zip(vals, hi)])
    return hi, lo


def edges(center, n=4):
    return [np.nextafter(center, np.inf * s) if k else center
            for s in (1, -1) for k in range(n)] + [
        float(np.float64(center) + s * k * np.spacing(center)) for s in (1, -1) for k in range(1, n)]


def main():
    rng = np.random.default_rng(20240611)
    out = {}
    # ndtri_lower: log-uniform over [5e-324, 0.5], uniform, the branch switch and edges
    p = np.concatenate([
        np.exp(rng.uniform(np.log(1e-300), np.log(0.5), 7000)),
        rng.uniform(0.0, 0.5, 4000),
        np.exp(rng.uniform(np.log(5e-324), np.log(1e-300), 500)),
        edges(0.075, 6), edges(0.25, 4), edges(0.5, 1), [0.5, 1e-300, 5e-324, 2.2250738585072014e-308],
        [2.0 ** -k for k in range(1, 1075)]])
    p = p[(p > 0) & (p <= 0.5)]
    out["ndtri_x"] = p
    out["ndtri_hi"], out["ndtri_lo"] = dd([ndtri_log_mp(mp.log(mp.mpf(v))) if v < 0.5 else mp.mpf(0) for v in p])
    # ndtri_log (double): [-1e300, -600] log-uniform, the middle range, the switches
    lp = np.concatenate([
        -np.exp(rng.uniform(np.log(600), np.log(1e300), 4000)),
        -np.exp(rng.uniform(np.log(0.6932), np.log(600), 4000)),
        edges(-600.0, 4), edges(-2.5902671654458267, 4), [-1e300, -1.7e308, -745.0, -0.6932]])
    out["ndtri_log_x"] = lp
    out["ndtri_log_hi"], out["ndtri_log_lo"] = dd([ndtri_log_mp(v) for v in lp])
    # ndtri_logf (float32 inputs): [-1e30, -40] and (-40, log 0.5)
    lpf = np.concatenate([
        -np.exp(rng.uniform(np.log(40), np.log(1e30), 3000)),
        -np.exp(rng.uniform(np.log(0.6932), np.log(40), 3000)),
        [-40.0, -1e30, -3e38, -1.3862943649291992, -0.6931472]]).astype(np.float32)
    out["ndtri_logf_x"] = lpf
    out["ndtri_logf_hi"], out["ndtri_logf_lo"] = dd([ndtri_log_mp(float(v)) for v in lpf])
    # ndtr: lower tail down to the underflow, central, upper
    x = np.concatenate([rng.uniform(-38.5, 0, 6000), rng.uniform(-3.5, 0, 3000), rng.uniform(0, 9, 2000),
                        [0.0, -3.0, np.nextafter(-3.0, 0), -1e-300, -38.4, -37.5]])
    out["ndtr_x"] = x
    out["ndtr_hi"], out["ndtr_lo"] = dd([mp.ncdf(mp.mpf(v)) for v in x])
    # log_ndtr
    x = np.concatenate([rng.uniform(-40, 0, 4000), -np.exp(rng.uniform(np.log(40), np.log(1e150), 3000)),
                        rng.uniform(-3.5, 0, 2000), rng.uniform(0, 40, 2000),
                        [0.0, -3.0, np.nextafter(-3.0, 0), -1e5, -1e150, 1e-300]])
    out["log_ndtr_x"] = x
    out["log_ndtr_hi"], out["log_ndtr_lo"] = dd([log_ndtr_mp(v) for v in x])
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mathfn_refs.npz")
    np.savez_compressed(path, **out)
    print("wrote", path, {k: v.shape for k, v in out.items()})


if __name__ == "__main__":
    main()
