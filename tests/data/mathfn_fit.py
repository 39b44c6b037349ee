"""How the coefficients in winit/_core/include/winit/mathfn.h were fitted.

    python tests/data/mathfn_fit.py [name ...]     # prints C coefficient lists

Weighted minimax approximations by Lawson's iteratively reweighted least
squares on Chebyshev grids, in mpmath (60 digits); rationals P/Q by the
linearised (Sanathanan-Koerner) form of the same iteration.  Float32
polynomials are rounded coefficient by coefficient (lowest power first), each
time refitting the remaining ones.  Run times: seconds (polynomials) to tens
of minutes (the double-precision inverse-CDF rationals); gmpy2 helps.
The printed maximum weighted error is the figure quoted in the header.
"""
import sys

import mpmath as mp
import numpy as np

mp.mp.dps = 60


def grid(a, b, n):
    a, b = mp.mpf(a), mp.mpf(b)
    return [(a + b) / 2 + (b - a) / 2 * mp.cos(mp.pi * (2 * k + 1) / (2 * n)) for k in range(n)][::-1]


def solve_ls(rows, rhs, w):
    m = len(rows[0])
    A, y = mp.matrix(m, m), mp.matrix(m, 1)
    for r, f, wi in zip(rows, rhs, w):
        w2 = wi * wi
        for i in range(m):
            t = w2 * r[i]
            y[i] += t * f
            for j in range(i, m):
                A[i, j] += t * r[j]
    for i in range(m):
        for j in range(i):
            A[i, j] = A[j, i]
    c = mp.lu_solve(A, y)
    return [c[i] for i in range(m)]


def peval(c, pw, x):
    return mp.fsum(ci * x ** p for ci, p in zip(c, pw))


def fit_poly(f, xs, powers, wfun, iters=30, fixed=None):
    """min max |w (fixed + sum c_i x^p_i - f)| over xs."""
    fx = [f(x) for x in xs]
    fixv = [fixed(x) if fixed else 0 for x in xs]
    ww = [wfun(x, v) for x, v in zip(xs, fx)]
    lam, best = [mp.mpf(1)] * len(xs), None
    for _ in range(iters):
        rows = [[x ** p for p in powers] for x in xs]
        c = solve_ls(rows, [v - fv for v, fv in zip(fx, fixv)], [ww[i] * mp.sqrt(lam[i]) for i in range(len(xs))])
        err = [ww[i] * (fixv[i] + peval(c, powers, xs[i]) - fx[i]) for i in range(len(xs))]
        m = max(abs(e) for e in err)
        if best is None or m < best[0]:
            best = (m, c)
        lam = [l * abs(e) for l, e in zip(lam, err)]
        s = mp.fsum(lam)
        lam = [l / s for l in lam]
    return best[1], best[0]


def fit_poly_rounded(f, xs, powers, rnd, wfun, iters=30):
    fixedc = []
    for i in range(len(powers)):
        fp, pw = list(fixedc), powers[:i]
        fixed = (lambda x, fp=fp, pw=pw: peval(fp, pw, x)) if fp else None
        c, m = fit_poly(f, xs, powers[i:], wfun, iters, fixed)
        fixedc.append(mp.mpf(rnd(c[0])))
    err = max(abs(wfun(x, f(x)) * (peval(fixedc, powers, x) - f(x))) for x in xs)
    return fixedc, err


def fit_rat(f, xs, ppow, qpow, wfun, iters=40):
    """f ~ P/Q, Q = 1 + sum q_j x^j."""
    fx = [f(x) for x in xs]
    ww = [wfun(x, v) for x, v in zip(xs, fx)]
    lam, qprev, best = [mp.mpf(1)] * len(xs), [mp.mpf(1)] * len(xs), None
    for _ in range(iters):
        rows = [[x ** p for p in ppow] + [-fx[i] * x ** q for q in qpow] for i, x in enumerate(xs)]
        c = solve_ls(rows, fx, [ww[i] * mp.sqrt(lam[i]) / abs(qprev[i]) for i in range(len(xs))])
        p, q = c[:len(ppow)], c[len(ppow):]
        Q = [1 + peval(q, qpow, x) for x in xs]
        err = [ww[i] * (peval(p, ppow, xs[i]) / Q[i] - fx[i]) for i in range(len(xs))]
        m = max(abs(e) for e in err)
        if best is None or m < best[0]:
            best = (m, p, q)
        qprev = Q
        lam = [l * abs(e) for l, e in zip(lam, err)]
        s = mp.fsum(lam)
        lam = [l / s for l in lam]
    return best[1], best[2], best[0]


def f32(v):
    return float(np.float32(float(v)))


# ---- references -----------------------------------------------------------

def log_ndtr(x):
    return mp.log(mp.ncdf(x))


def ndtri_log(lp):
    """x with log Phi(x) = lp, Newton on log Phi from the asymptotic start."""
    lp = mp.mpf(lp)
    L = -lp
    x = -mp.sqrt(2 * (L - mp.log(4 * mp.pi * L) / 2)) if L > 3 else mp.mpf(-1) + 0 * L
    for _ in range(200):
        P = mp.ncdf(x)
        d = (mp.log(P) - lp) / (mp.npdf(x) / P)
        x -= d
        if abs(d) < mp.mpf(10) ** -50:
            break
    return x


def ndtri(p):
    return ndtri_log(mp.log(p))


C0 = mp.sqrt(2 * mp.pi)


def central_G(um):
    """(x/t - sqrt(2 pi))/u as a function of v = um - u, u = t^2, t = p - 1/2 <= 0."""
    def G(v):
        u = um - v
        if u == 0:
            return C0 ** 3 / 6
        t = -mp.sqrt(u)
        return (ndtri(t + mp.mpf(0.5)) / t - C0) / u
    return G, (lambda v, g: (um - v) / (C0 + (um - v) * g))


def h_tail(r):
    """h in x^2 = 2w - log(4 pi w) + h, w = r^2 = -log p."""
    w = r * r
    x = ndtri_log(-w)
    return x * x - 2 * w + mp.log(4 * mp.pi) + mp.log(w)


# ---- the fits -------------------------------------------------------------

def job_logf():
    a, b = mp.sqrt(0.5) - 1, mp.sqrt(2) - 1
    c, e = fit_poly_rounded(lambda f: (mp.log1p(f) - f + f * f / 2) / f ** 3, grid(a, b, 150),
                            list(range(8)), f32, lambda x, v: abs(x ** 3 / mp.log1p(x)))
    return {"P (logf)": c}, e


def job_log():
    s = (mp.sqrt(2) - 1) / (mp.sqrt(2) + 1)
    zmax = s * s * (1 + mp.mpf(2) ** -40)
    L = lambda z: (2 * mp.atanh(mp.sqrt(z)) / mp.sqrt(z) - 2) / z
    c, e = fit_poly_rounded(L, grid(zmax * 1e-9, zmax, 60), list(range(7)), float, lambda z, v: z / 2)
    return {"Q (log)": c}, e


def job_exp():
    h = mp.log(2) / 2 * (1 + mp.mpf(2) ** -30)
    c, e = fit_poly_rounded(lambda r: (mp.exp(r) - 1 - r) / r ** 2, grid(-h, h, 80), list(range(11)), float,
                            lambda r, v: r * r / mp.exp(r))
    return {"E (exp)": c}, e


def job_sincos():
    b = (mp.mpf(1) / 8 * (1 + mp.mpf(2) ** -20)) ** 2
    S = lambda x: mp.sin(2 * mp.pi * mp.sqrt(x)) / mp.sqrt(x) - 6
    C = lambda x: (mp.cos(2 * mp.pi * mp.sqrt(x)) - 1) / x
    xs = grid(b * 1e-9, b, 100)
    out, errs = {}, []
    for name, rnd, deg in (("f32", f32, 3), ("f64", float, 6)):
        c, e1 = fit_poly_rounded(S, xs, list(range(deg + 1)), rnd, lambda x, v: 1 / (v + 6))
        d, e2 = fit_poly_rounded(C, xs, list(range(deg + 1)), rnd, lambda x, v: x / (1 + x * v))
        out["sin " + name], out["cos " + name] = c, d
        errs += [e1, e2]
    return out, max(errs)


def job_ndtri_central_f32():
    G, W = central_G(mp.mpf(1) / 16)
    p, q, e = fit_rat(G, grid(-1e-7, mp.mpf(1) / 16, 80), [0, 1, 2], [1, 2], W)
    return {"num": p, "den": q}, e


def job_ndtri_tail_f32():
    X = lambda r: ndtri(mp.exp(-r * r))
    p, q, e = fit_rat(X, grid(mp.sqrt(mp.log(4)), 10.25, 100), list(range(6)), [1, 2, 3, 4], lambda r, v: 1 / abs(v))
    return {"num": p, "den": q}, e


def job_ndtri_central_f64():
    G, W = central_G(mp.mpf(0.180625))
    p, q, e = fit_rat(G, grid(-1e-14, mp.mpf(0.180625), 120), list(range(8)), list(range(1, 8)), W)
    return {"num": p, "den": q}, e


def job_ndtri_tail_f64():
    out, errs = {}, []
    for a, b, sh, deg in ((1.609, 5, 1.609, 8), (5, 27.3, 5, 7)):
        xs = grid(a - sh, b - sh, 140)
        hv = {s: h_tail(s + sh) for s in xs}
        Y = lambda s, v: 1 / (2 * (s + sh) ** 2 - mp.log(4 * mp.pi * (s + sh) ** 2) + v)
        p, q, e = fit_rat(lambda s: hv[s], xs, list(range(deg + 1)), list(range(1, deg + 1)), Y, iters=80)
        out["num r<5" if a < 5 else "num r>=5"], out["den r<5" if a < 5 else "den r>=5"] = p, q
        errs.append(e)
    return out, max(errs)


def job_ndtri_invphi():
    """1/phi(x) on p in [0.075, 0.25] as a quadratic in u = t^2 (2%: only scales te)."""
    D = lambda u: 1 / mp.npdf(ndtri(mp.mpf(0.5) - mp.sqrt(u)))
    c, e = fit_poly(D, grid(mp.mpf(1) / 16, mp.mpf(0.180625), 50), [0, 1, 2], lambda u, v: 1 / v, 20)
    return {"D": c}, e


def job_asym():
    def Gv(v):
        x = -1 / mp.sqrt(v)
        return (log_ndtr(x) + x * x / 2 + mp.log(-x) + mp.log(2 * mp.pi) / 2) / v
    out, errs = {}, []
    for name, vmax, deg in (("f32", 0.015, 3), ("f64", 9e-4, 4)):
        c, e = fit_poly_rounded(Gv, grid(vmax * 1e-6, vmax, 60), list(range(deg + 1)), float,
                                lambda v, g: 2 * v * v)
        out["G " + name] = c
        errs.append(e)
    return out, max(errs)


JOBS = {k[4:]: v for k, v in globals().items() if k.startswith("job_")}

if __name__ == "__main__":
    for name in sys.argv[1:] or JOBS:
        coefs, err = JOBS[name]()
        print(f"== {name}: max weighted error 2^{float(mp.log(err, 2)):.1f}")
        for k, c in coefs.items():
            print(f"  {k}: " + ", ".join(repr(float(x)) for x in c))
