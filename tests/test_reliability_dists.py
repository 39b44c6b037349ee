"""Distribution checks over a grid of parameters, extremes included (std 1e-8 and 1e8,
truncation far in the tails and tiny intervals, shapes with zeros and ones), against
scipy: KS, moments and tail counts at alpha = 1e-6 with fixed seeds (deterministic).
float16 / bfloat16 are checked bit for bit against ml_dtypes' rounding of the float32
values. The default run uses a small grid; ``pytest -m slow`` runs the large one.

Schemes of the registry (winit.SCHEMES) are covered when present (sparse_init sparsity 0 and 1)."""
import math

import ml_dtypes
import numpy as np
import pytest
from scipy import stats

import winit
from conftest import inward

ALPHA = 1e-6
Z = stats.norm.isf(ALPHA / 2)
HALF = {"float16": np.float16, "bfloat16": ml_dtypes.bfloat16}


def ks(x, cdf):
    p = stats.kstest(np.asarray(x, np.float64), cdf).pvalue
    assert p > ALPHA, f"KS p = {p:.3g}"


def moment(val, want, se, what):
    assert abs(val - want) <= Z * se + 1e-12 * abs(want), f"{what}: {val} vs {want} (se {se})"


def tail_count(x, thr, p_each, what):
    k = int((np.abs(x) > thr).sum())
    p = stats.binomtest(k, len(x), p_each).pvalue
    assert p > ALPHA, f"{what}: {k} of {len(x)} beyond {thr} (p = {p:.3g})"


SCALES = [1e-8, 1e-3, 1.0, 1e8]
SLOW_SCALES = [1e-30, 1e-8, 0.02, 1.0, 3e4, 1e8, 1e30]


def grid(small, large):
    return [pytest.param(v, id=str(v)) for v in small] + [
        pytest.param(v, id=f"{v}-slow", marks=pytest.mark.slow) for v in large if v not in small]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("std", grid(SCALES, SLOW_SCALES))
def test_normal_grid(std, dtype):
    n = 100_000
    x = winit.normal((n,), 0.0, std, dtype=dtype, rng=101).astype(np.float64) / std
    ks(x, stats.norm.cdf)
    moment(x.mean(), 0.0, 1 / math.sqrt(n), "mean")
    moment(x.var(), 1.0, math.sqrt(2 / n), "var")
    tail_count(x, 3.0, 2 * stats.norm.sf(3.0), "tail")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("width", grid(SCALES, SLOW_SCALES))
def test_uniform_grid(width, dtype):
    n = 100_000
    low = -0.25 * width
    x = winit.uniform((n,), low, low + width, dtype=dtype, rng=102).astype(np.float64)
    assert x.min() >= low and x.max() <= low + width
    u = (x - low) / width
    ks(u, stats.uniform.cdf)
    moment(u.mean(), 0.5, math.sqrt(1 / 12 / n), "mean")


TN = [(-2, 2), (5, 10), (-10, -5), (8, 8.001), (0.0, 1e-6), (30, math.inf), (-math.inf, -50),
      (-1, math.inf), (3.0, 3.0001)]
TN_SLOW = TN + [(12, 14), (40, 41), (100, 100.5), (-1000.5, -1000), (-1e-9, 1e-9), (1e4, math.inf),
                (-math.inf, math.inf), (-0.5, 0.5)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("std", grid([1e-8, 1.0, 1e8], [1e-30, 0.02, 1e30]))
@pytest.mark.parametrize("ab", grid(TN, TN_SLOW))
def test_truncated_normal_grid(ab, std, dtype):
    a, b = ab
    n = 50_000
    x = winit.truncated_normal((n,), 0.0, std, a, b, bounds="std", dtype=dtype, rng=103)
    x = x.astype(np.float64)
    assert np.isfinite(x).all()
    lo, hi = a * std, b * std
    assert x.min() >= lo and x.max() <= hi, (x.min(), x.max(), lo, hi)
    z = x / std
    res = np.spacing(np.float32(max(abs(a), abs(b)) if math.isfinite(max(abs(a), abs(b))) else 1))
    if dtype == "float32" and (b - a) < 1000 * res:
        return  # interval narrower than float32 resolution there: the bounds are the test
    d = stats.truncnorm(a, b)
    ks(z, d.cdf)
    with np.errstate(all="ignore"):
        m, s = d.mean(), d.std()
    if np.isfinite(m) and np.isfinite(s) and s > 0:
        moment(z.mean(), m, s / math.sqrt(n), "mean")


@pytest.mark.parametrize("half", ["float16", "bfloat16"])
@pytest.mark.parametrize("case", [
    ("uniform", dict(low=-1e-8, high=1e-8)), ("uniform", dict(low=0.0, high=1e8)),
    ("uniform", dict(low=-3.0, high=7.0)), ("normal", dict(std=1e-8)), ("normal", dict(std=1e8)),
    ("normal", dict(mean=2.0, std=0.5)), ("truncated_normal", dict(lo=5.0, hi=10.0)),
    ("truncated_normal", dict(std=1e-8, lo=-2e-8, hi=2e-8)),
    ("truncated_normal", dict(std=1e8, lo=-1e9, hi=1e9)),
], ids=lambda c: f"{c[0]}-{'-'.join(f'{k}={v}' for k, v in c[1].items())}" if isinstance(c, tuple) else c)
def test_half_precision_is_ml_dtypes_rounding(case, half):
    """f16/bf16 output == ml_dtypes' round-to-nearest-even of the float32 output, bit for
    bit (subnormals included: 1e-8), kept inside the scheme's bounds in that dtype
    (uniform [low, high), truncated normal [lo, hi]); values no float16 can hold (normal
    std=1e8, a truncated normal out to 1e9) are refused, not rounded to inf."""
    name, kw = case
    fn = getattr(winit, name)
    shape = (123, 101)
    big = float(np.finfo(HALF[half]).max)
    if max(abs(kw.get("std", 1.0)) * 5, abs(kw.get("high", 0)), abs(kw.get("hi", 0))) > big:
        with pytest.raises(ValueError, match=r"beyond the largest finite"):
            fn(shape, dtype=half, rng=104, **kw)
        return
    x32 = fn(shape, dtype="float32", rng=104, **kw)
    x16 = fn(shape, dtype=half, rng=104, **kw)
    assert x16.dtype == np.dtype(HALF[half])
    want = x32.astype(HALF[half])
    if name == "uniform":
        want = np.clip(want, *inward(kw["low"], kw["high"], HALF[half])).astype(want.dtype)
    elif name == "truncated_normal":
        want = np.clip(want, *inward(kw["lo"], kw["hi"], HALF[half],
                                     half_open=False)).astype(want.dtype)
    np.testing.assert_array_equal(x16.view(np.uint16), want.view(np.uint16))


@pytest.mark.parametrize("shape", [(0,), (1,), (1, 1), (0, 5), (5, 0), (1, 0, 3), (1, 1, 1, 1), ()])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("fn", [winit.uniform, winit.normal, winit.truncated_normal])
def test_degenerate_shapes(fn, dtype, shape):
    g = winit.Generator(105)
    x = fn(shape, dtype=dtype, rng=g)
    assert x.shape == shape and x.dtype == winit._validate.dtype(dtype)
    assert g.position == 1
    assert np.isfinite(x.astype(np.float64)).all()
    if x.size:
        ref = fn((1,), dtype=dtype, rng=105)
        assert x.reshape(-1)[0].tobytes() == ref[0].tobytes()


@pytest.mark.parametrize("sparsity", [0.0, 1.0, 0.5])
def test_sparse_init_extremes(sparsity):
    if not hasattr(winit, "sparse_init"):
        pytest.skip("winit.sparse_init not present yet (scheme catalog, issue 4)")
    rows, cols = 37, 20
    w = winit.sparse_init((rows, cols), sparsity=sparsity, std=0.01, rng=106)
    zeros = (w == 0).sum(axis=1)
    assert (zeros == math.ceil(sparsity * cols)).all()
    nz = w[w != 0].astype(np.float64)
    if nz.size > 100:
        ks(nz / 0.01, stats.norm.cdf)
