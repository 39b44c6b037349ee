"""Our own tests: what dieharder cannot see on one stream.

* dependence between two word streams that must be independent: adjacent streams
  s, s+1 (also across the 2**32 carry and the purpose byte), fold_in children,
  spawn children, parent vs child, keys one bit apart, adjacent int seeds, and lags
  within one stream;
* dependence between the two outputs of a Box-Muller pair, and between pairs.

Each test gives a two-sided p-value under independence; assessment as dieharder's:
FAILED if p < 1e-6 (the project's alpha), WEAK if p < 0.005, else PASSED. Seeds are
fixed, so every result is deterministic.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import special, stats

import winit
from winit._core import _core

ALPHA = 1e-6
WEAK = 0.005


def assess(p: float) -> str:
    return "FAILED" if p < ALPHA else ("WEAK" if p < WEAK else "PASSED")


def words(key: tuple[int, int], stream: int, n: int, start: int = 0) -> np.ndarray:
    out = np.empty(n, np.uint32)
    _core.fill(out, _core.DIST_BITS, _core.DT_UINT32, key, stream, (),
               np.array([start], np.uint64), n)
    return out


def _p_norm(z: float) -> float:
    return float(2 * stats.norm.sf(abs(z)))


def _popcount32(x: np.ndarray) -> np.ndarray:
    return np.bitwise_count(x) if hasattr(np, "bitwise_count") else np.unpackbits(
        x.view(np.uint8)).reshape(-1, 32).sum(1)


def word_pair_tests(x: np.ndarray, y: np.ndarray) -> list[tuple[str, float, float]]:
    """(sub-test, statistic, p) for two uint32 streams of equal length n."""
    n = len(x)
    res = []
    # 1. Hamming distance: popcount(x ^ y) summed is Binomial(32 n, 1/2).
    s = float(_popcount32(x ^ y).sum(dtype=np.int64))
    z = (s - 16 * n) / math.sqrt(8 * n)
    res.append(("xor-popcount z", z, _p_norm(z)))
    # 2. bit j of x vs bit j of y, 32 positions: agreements ~ Binomial(n, 1/2); sum of z^2 ~ chi2(32).
    agree = ~(x ^ y)
    chi = 0.0
    for j in range(32):
        c = float(((agree >> np.uint32(j)) & np.uint32(1)).sum(dtype=np.int64))
        chi += ((c - n / 2) / math.sqrt(n / 4)) ** 2
    res.append(("bitwise agreement chi2(32)", chi, float(stats.chi2.sf(chi, 32))))
    # 3. Pearson correlation of the words as uniforms: sqrt(n) r ~ N(0, 1).
    u = x.astype(np.float64) - 2.0**31
    v = y.astype(np.float64) - 2.0**31
    r = float(np.dot(u, v) / math.sqrt(np.dot(u, u) * np.dot(v, v)))
    res.append(("correlation sqrt(n) r", r * math.sqrt(n), _p_norm(r * math.sqrt(n))))
    # 4. joint distribution of the top 6 bits: 64 x 64 cells, chi2(4095) vs uniform.
    cell = (x >> np.uint32(26)).astype(np.int64) * 64 + (y >> np.uint32(26)).astype(np.int64)
    cnt = np.bincount(cell, minlength=4096).astype(np.float64)
    e = n / 4096
    chi = float(((cnt - e) ** 2 / e).sum())
    res.append(("joint top-6-bits chi2(4095)", chi, float(stats.chi2.sf(chi, 4095))))
    return res


def stream_pairs(n: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
    g = winit.Generator(2024)
    k = g.key
    w = words(k, 5, n + 4)
    kids = g.spawn(2)
    out = [
        ("streams 0 vs 1", words(k, 0, n), words(k, 1, n)),
        ("streams 41 vs 42", words(k, 41, n), words(k, 42, n)),
        ("streams 2**32-1 vs 2**32 (carry)", words(k, 2**32 - 1, n), words(k, 2**32, n)),
        ("streams 0 vs 2**32", words(k, 0, n), words(k, 2**32, n)),
        ("stream 3 vs 3 with the sparse purpose bit (2**56)", words(k, 3, n), words(k, 3 | (1 << 56), n)),
        ("stream 0: index i vs i + 2**34 (block high word)", words(k, 0, n),
         words(k, 0, n, start=1 << 34)),
        ("stream 5: word i vs i+1", w[:n], w[1:n + 1]),
        ("stream 5: word i vs i+4 (next block)", w[:n], w[4:n + 4]),
        ("fold_in('dense_1/kernel') vs fold_in('dense_2/kernel')",
         words(g.fold_in("dense_1/kernel").key, 0, n), words(g.fold_in("dense_2/kernel").key, 0, n)),
        ("fold_in(0) vs fold_in(1)", words(g.fold_in(0).key, 0, n), words(g.fold_in(1).key, 0, n)),
        ("parent vs fold_in(0)", words(k, 0, n), words(g.fold_in(0).key, 0, n)),
        ("spawn()[0] vs spawn()[1]", words(kids[0].key, 0, n), words(kids[1].key, 0, n)),
        ("parent vs spawn()[0]", words(k, 0, n), words(kids[0].key, 0, n)),
        ("spawn()[0] vs spawn()[0].spawn(1)[0]", words(kids[0].key, 0, n),
         words(kids[0].spawn(1)[0].key, 0, n)),
        ("seed 0 vs seed 1", words(winit.Generator(0).key, 0, n), words(winit.Generator(1).key, 0, n)),
        ("key vs key ^ (1, 0)", words(k, 0, n), words((k[0] ^ 1, k[1]), 0, n)),
        ("key vs key ^ (0, 1)", words(k, 0, n), words((k[0], k[1] ^ 1), 0, n)),
        ("key vs key ^ (2**31, 0)", words(k, 0, n), words((k[0] ^ (1 << 31), k[1]), 0, n)),
    ]
    return out


def _chi2_uniform_2d(a: np.ndarray, b: np.ndarray, bins: int) -> tuple[float, float]:
    """a, b in [0, 1]: chi2 of the bins x bins joint histogram against uniform."""
    ia = np.minimum((a * bins).astype(np.int64), bins - 1)
    ib = np.minimum((b * bins).astype(np.int64), bins - 1)
    cnt = np.bincount(ia * bins + ib, minlength=bins * bins).astype(np.float64)
    e = len(a) / bins**2
    chi = float(((cnt - e) ** 2 / e).sum())
    return chi, float(stats.chi2.sf(chi, bins * bins - 1))


def box_muller_tests(n: int) -> list[dict]:
    """The two normals of one Box-Muller pair (cos, sin) and of neighbouring pairs."""
    out = []
    for dt in ("float32", "float64"):
        z = winit.normal((2 * n,), rng=77, dtype=dt).astype(np.float64)
        z0, z1 = z[0::2], z[1::2]  # one pair: (r cos t, r sin t)
        sq = math.sqrt(n)
        cases: list[tuple[str, float, float]] = []
        r = float(np.corrcoef(z0, z1)[0, 1])
        cases.append(("corr(z0, z1) sqrt(n) r", r * sq, _p_norm(r * sq)))
        # squares: under independence corr(z0^2, z1^2) = 0 with se 1/sqrt(n)
        r2 = float(np.corrcoef(z0 ** 2, z1 ** 2)[0, 1])
        cases.append(("corr(z0^2, z1^2) sqrt(n) r", r2 * sq, _p_norm(r2 * sq)))
        # joint distribution of (Phi(z0), Phi(z1)) on a 32 x 32 grid
        chi, p = _chi2_uniform_2d(special.ndtr(z0), special.ndtr(z1), 32)
        cases.append(("joint (Phi(z0), Phi(z1)) chi2(1023)", chi, p))
        # radius^2 ~ Exp(mean 2) and angle ~ U[0, 1), and they are independent
        rr = z0 ** 2 + z1 ** 2
        ks = stats.kstest(rr, stats.expon(scale=2).cdf)
        cases.append(("r^2 = z0^2 + z1^2 ~ Exp(2): KS D", float(ks.statistic), float(ks.pvalue)))
        ang = (np.arctan2(z1, z0) / (2 * np.pi)) % 1.0
        ks = stats.kstest(ang, stats.uniform().cdf)
        cases.append(("angle atan2(z1, z0) ~ U[0,1): KS D", float(ks.statistic), float(ks.pvalue)))
        chi, p = _chi2_uniform_2d(1 - np.exp(-rr / 2), ang, 32)
        cases.append(("joint (F(r^2), angle) chi2(1023)", chi, p))
        # neighbouring pairs: z1 of pair k vs z0 of pair k+1 (same block in float32)
        r3 = float(np.corrcoef(z1[:-1] ** 2, z0[1:] ** 2)[0, 1])
        cases.append(("corr(z1[k]^2, z0[k+1]^2) sqrt(n) r", r3 * sq, _p_norm(r3 * sq)))
        chi, p = _chi2_uniform_2d(special.ndtr(z1[:-1]), special.ndtr(z0[1:]), 32)
        cases.append(("joint (Phi(z1[k]), Phi(z0[k+1])) chi2(1023)", chi, p))
        for sub, stat, p in cases:
            out.append(dict(group=f"Box-Muller {dt}", test=sub, n=n, stat=stat, pvalue=p,
                            assessment=assess(p)))
    return out


def run_all(quick: bool = False) -> list[dict]:
    n = 1 << 16 if quick else 1 << 22
    res = []
    for name, x, y in stream_pairs(n):
        for sub, stat, p in word_pair_tests(x, y):
            res.append(dict(group=name, test=sub, n=n, stat=stat, pvalue=p, assessment=assess(p)))
    res += box_muller_tests(n)
    return res


def markdown(res: list[dict]) -> str:
    lines = ["| pair / group | test | n | statistic | p | result |", "|---|---|---|---|---|---|"]
    for r in res:
        lines.append(f"| {r['group']} | {r['test']} | 2^{int(math.log2(r['n']))} | "
                     f"{r['stat']:.4g} | {r['pvalue']:.3g} | {r['assessment'].lower()} |")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys
    r = run_all(quick="--quick" in sys.argv)
    print(markdown(r))
