"""uniform / normal / truncated_normal: distributions against scipy (alpha = 1e-6,
fixed seeds, so every test is deterministic), shards equal to the whole, thread
counts, out=, and errors."""
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest
from scipy import stats

import winit
from conftest import inward
from winit._plan import bits

ALPHA = 1e-6
Z = stats.norm.isf(ALPHA / 2)  # two-sided critical value, 4.89
N = 1_000_000
DATA = Path(__file__).parent / "data"
FLOATS = ["float32", "float64"]


def assert_ks(x, cdf):
    res = stats.kstest(np.asarray(x, np.float64), cdf)
    assert res.pvalue > ALPHA, f"KS p={res.pvalue:.3g}"


def assert_moment(sample_stat, expected, se, what):
    assert abs(sample_stat - expected) < Z * se, f"{what}: {sample_stat} vs {expected} (se {se})"


@pytest.mark.parametrize("dtype", FLOATS)
def test_uniform(dtype):
    x = winit.uniform((N,), -3.0, 5.0, dtype=dtype, rng=1)
    assert x.dtype == dtype and x.shape == (N,)
    assert x.min() >= -3.0 and x.max() < 5.0
    assert_ks(x, stats.uniform(-3, 8).cdf)
    assert_moment(x.mean(), 1.0, 8 / math.sqrt(12 * N), "mean")


@pytest.mark.parametrize("dtype", FLOATS)
def test_normal(dtype):
    x = winit.normal((N,), 0.5, 2.0, dtype=dtype, rng=2).astype(np.float64)
    assert_ks(x, stats.norm(0.5, 2.0).cdf)
    assert_moment(x.mean(), 0.5, 2 / math.sqrt(N), "mean")
    assert_moment(x.var(), 4.0, 4 * math.sqrt(2 / N), "var")
    # tail counts: P(|z| > 4) = 6.3e-5
    k = int((np.abs((x - 0.5) / 2) > 4).sum())
    p = 2 * stats.norm.sf(4)
    assert stats.binomtest(k, N, p).pvalue > ALPHA


def test_normal_pairs_are_independent():
    """Box-Muller's two outputs (cos, sin) of one pair are uncorrelated, and so
    are the radius words of neighbouring pairs."""
    x = winit.normal((N,), rng=3).astype(np.float64).reshape(-1, 2)
    r = np.corrcoef(x[:, 0], x[:, 1])[0, 1]
    assert abs(r) < Z / math.sqrt(len(x))
    r2 = np.corrcoef(x[:, 0] ** 2, x[:, 1] ** 2)[0, 1]  # dependence shows in squares
    assert abs(r2) < Z / math.sqrt(len(x)) * 2


def test_normal_reaches_resolution_limit():
    """The float32 radius uniform is k * 2^-24 with k >= 1, so |z| can reach
    sqrt(-2 ln 2^-24) = 5.77. Block 6696984 of seed 0 holds a word with k = 1."""
    b = 6696984
    w = bits((4 * (b + 1),), rng=0, region=(slice(4 * b, 4 * b + 4),))
    assert w[0] >> 8 == 0
    z = winit.normal((4 * (b + 1),), rng=0, region=(slice(4 * b, 4 * b + 2),)).astype(np.float64)
    r_max = math.sqrt(-2 * math.log(2.0**-24))
    assert math.hypot(z[0], z[1]) == pytest.approx(r_max, rel=1e-6)
    assert r_max > 5.76


def test_normal_never_exceeds_resolution_limit():
    for dt, k in (("float32", 24), ("float64", 53)):
        z = winit.normal((N,), rng=4, dtype=dt)
        assert np.abs(z).max() <= math.sqrt(2 * k * math.log(2)) * (1 + 1e-6)


ORACLE = json.loads((DATA / "truncnorm_oracle.json").read_text())


def _f(v):
    return float(v) if not isinstance(v, str) else float(v.replace("inf", "inf"))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("case", ORACLE["cases"], ids=lambda c: f"{c['a']},{c['b']}")
def test_truncnorm_moments_vs_oracle(case, dtype):
    a, b = _f(case["a"]), _f(case["b"])
    x = winit.truncated_normal((N,), 0.0, 1.0, a, b, dtype=dtype, rng=5).astype(np.float64)
    assert x.min() >= a and x.max() <= b
    assert_moment(x.mean(), case["mean"], math.sqrt(case["var"] / N), "mean")
    assert_moment(x.var(), case["var"], math.sqrt((case["mu4"] - case["var"] ** 2) / N), "var")
    assert_ks(x, stats.truncnorm(a, b).cdf)


FAR = [(5, 10), (8, 9), (-10, -5), (12, 14), (20, 21), (40, 41), (100, 100.5), (-1e3 - 1, -1e3),
       (30, np.inf), (-np.inf, -50), (0.0, 1e-3), (3.0, 3.0001)]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("a, b", FAR)
def test_truncnorm_far_tails(a, b, dtype):
    """Exact in the far tails: KS against scipy's truncnorm, values within bounds."""
    n = 200_000
    x = winit.truncated_normal((n,), 0.0, 1.0, a, b, dtype=dtype, rng=6)
    assert np.isfinite(x).all()
    assert x.min() >= np.asarray(a, x.dtype) and x.max() <= np.asarray(b, x.dtype)
    x = x.astype(np.float64)
    d = stats.truncnorm(a, b)
    if dtype == "float32" and (b - a) < 1e-3 * max(1.0, abs(a)):
        return  # interval narrower than float32 resolution there: bounds are the test
    assert_ks(x, d.cdf)
    with np.errstate(invalid="ignore"):
        sd = d.std()
    if np.isfinite(sd):  # scipy's moments fail beyond ~|1000|; the KS test still holds
        assert_moment(x.mean(), d.mean(), sd / math.sqrt(n), "mean")


def test_truncnorm_std_bounds_and_scale():
    x = winit.truncated_normal((N,), 1.0, 0.02, -2, 2, bounds="std", dtype="float64", rng=7)
    assert x.min() >= 1.0 - 0.04 and x.max() <= 1.0 + 0.04
    assert_ks((x - 1.0) / 0.02, stats.truncnorm(-2, 2).cdf)
    y = winit.truncated_normal((N,), 1.0, 0.02, 0.96, 1.04, dtype="float64", rng=7)
    np.testing.assert_allclose(x, y, rtol=0, atol=1e-15)
    f = winit.truncated_normal((N,), 0.0, 0.02, dtype="float32", rng=7)  # lo, hi = -2, 2 absolute
    assert_ks(f / 0.02, stats.norm.cdf)  # +-100 sigma: a plain normal


def test_truncnorm_float32_bounds_are_respected_exactly():
    x = winit.truncated_normal((N,), 0.1, 0.3, -0.04, 0.37, dtype="float32", rng=8)
    assert x.min() >= np.float32(-0.04) and x.max() <= np.float32(0.37)
    assert float(x.min()) >= -0.04 and float(x.max()) <= 0.37


@pytest.mark.parametrize("fn, kw", [(winit.uniform, {}), (winit.normal, {}),
                                    (winit.truncated_normal, {})])
@pytest.mark.parametrize("half", [np.float16, ml_dtypes.bfloat16])
def test_half_precision_is_rounded_float32(fn, kw, half):
    """float16 / bfloat16 values are the float32 values rounded to nearest even -- kept
    inside the scheme's bounds in that dtype (uniform: [0, 1) -- the rounding of a value
    just below 1 would give 1)."""
    x16 = fn((10_001,), dtype=half, rng=9, **kw)
    x32 = fn((10_001,), dtype="float32", rng=9, **kw)
    assert x16.dtype == np.dtype(half)
    want = x32.astype(half)
    if fn is winit.uniform:
        want = np.clip(want, *inward(0.0, 1.0, half)).astype(want.dtype)
        assert (want != x32.astype(half)).any()  # 10_001 values reach the top, and are kept below 1
    np.testing.assert_array_equal(x16.view(np.uint16), want.view(np.uint16))


SHAPE = (7, 13, 5)
REGIONS = [(slice(2, 5), slice(3, 11), slice(1, 4)), (slice(0, 7),), (slice(6, 7), slice(12, 13)),
           (slice(1, 2), slice(0, 13), slice(0, 5)), (slice(3, 3),)]


@pytest.mark.parametrize("dtype", FLOATS + ["float16", "bfloat16"])
@pytest.mark.parametrize("fn", [winit.uniform, winit.normal, winit.truncated_normal])
def test_region_equals_slice_of_whole(fn, dtype):
    whole = fn(SHAPE, dtype=dtype, rng=10)
    for reg in REGIONS:
        part = fn(SHAPE, dtype=dtype, rng=10, region=reg)
        np.testing.assert_array_equal(part.view(np.uint8), whole[reg].view(np.uint8))


def test_region_odd_offsets_1d():
    whole = winit.normal((1001,), rng=11, dtype="float64")
    for a in range(0, 9):
        for b in (a, a + 1, a + 2, a + 3, a + 5, 1001):
            np.testing.assert_array_equal(winit.normal((1001,), rng=11, dtype="float64",
                                                       region=(slice(a, b),)), whole[a:b])


def test_out_is_filled_in_place():
    out = np.full((40, 3), np.nan, np.float32)
    r = winit.normal((40, 3), rng=12, out=out)
    assert r is out
    np.testing.assert_array_equal(out, winit.normal((40, 3), rng=12))
    sub = np.empty((2, 3), np.float32)
    winit.normal((40, 3), rng=12, out=sub, region=(slice(5, 7),))
    np.testing.assert_array_equal(sub, out[5:7])


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("fn", [winit.uniform, winit.normal, winit.truncated_normal])
def test_out_misaligned_for_its_dtype(fn, dtype):
    """An out= view of a byte buffer at an odd offset (numpy allows it; C may not store
    floats there): filled in place with the same bits as an aligned call."""
    want = fn((7, 9), rng=3, dtype=dtype)
    raw = np.zeros(want.nbytes + 64, np.uint8)
    off = (-raw.ctypes.data) % 64 + 1
    out = raw[off:off + want.nbytes].view(want.dtype).reshape(want.shape)
    assert not out.flags.aligned
    assert fn((7, 9), rng=3, dtype=dtype, out=out) is out
    assert out.tobytes() == want.tobytes()
    assert not raw[:off].any() and not raw[off + want.nbytes:].any()  # nothing around it


def test_thread_count_does_not_change_bits():
    n = 3_000_001
    ref = None
    for t in (1, 2, 3):
        winit.set_num_threads(t)
        try:
            got = [f((n,), rng=13, dtype=dt) for f in (winit.uniform, winit.normal, winit.truncated_normal)
                   for dt in ("float32", "float64", "float16")]
        finally:
            winit.set_num_threads(0)
        if ref is None:
            ref = got
        for a, b in zip(ref, got):
            np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))


def test_omp_num_threads_subprocess():
    code = ("import hashlib, winit; h = hashlib.sha256();"
            "[h.update(f((1 << 20) + 3, rng=14, dtype=d).tobytes()) for f in "
            "(winit.uniform, winit.normal, winit.truncated_normal) for d in ('float32', 'float64')];"
            "print(winit.get_num_threads(), h.hexdigest())")
    outs = {}
    for t in ("1", "2"):
        env = dict(os.environ, OMP_NUM_THREADS=t)
        r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                           check=True)
        nt, h = r.stdout.split()
        assert nt == t
        outs[t] = h
    assert outs["1"] == outs["2"]


def test_zero_size_and_scalar_shapes():
    assert winit.normal((0, 5), rng=1).shape == (0, 5)
    assert winit.uniform((), rng=1).shape == ()
    assert winit.uniform(3, rng=1).shape == (3,)
    assert float(winit.uniform((), rng=1)) == float(winit.uniform((1,), rng=1)[0])


@pytest.mark.parametrize("call, exc, match", [
    (lambda: winit.normal((2, -1)), ValueError, r"`shape`.*Received: shape=\(2, -1\)"),
    (lambda: winit.normal((2, 1.5)), TypeError, r"`shape`"),
    (lambda: winit.normal("ab"), TypeError, r"`shape`"),
    (lambda: winit.normal((2**40, 2**40)), ValueError, r"`shape`.*2\*\*63"),
    (lambda: winit.normal((2**40, 2**20)), MemoryError, r"GiB"),
    (lambda: winit.normal((2,), std=-1), ValueError, r"`std`.*Received: std=-1"),
    (lambda: winit.normal((2,), mean=float("nan")), ValueError, r"`mean`"),
    (lambda: winit.normal((2,), std="1"), TypeError, r"`std`"),
    (lambda: winit.uniform((2,), 1, 0), ValueError, r"`low`.*`high`"),
    (lambda: winit.truncated_normal((2,), lo=1, hi=1), ValueError, r"`lo`.*`hi`"),
    (lambda: winit.truncated_normal((2,), std=0), ValueError, r"`std`"),
    (lambda: winit.truncated_normal((2,), lo=float("nan")), ValueError, r"`lo`"),
    (lambda: winit.truncated_normal((2,), bounds="sigma"), ValueError, r"`bounds`.*'absolute'"),
    (lambda: winit.normal((2,), dtype="int32"), TypeError, r"`dtype`.*int32"),
    (lambda: winit.normal((2,), dtype=bool), TypeError, r"`dtype`"),
    (lambda: winit.normal((2,), out=np.empty(3, np.float32)), ValueError, r"`out`.*shape"),
    (lambda: winit.normal((2,), out=np.empty(2, np.float64)), ValueError, r"`out`.*dtype"),
    (lambda: winit.normal((2, 2), out=np.broadcast_to(np.empty(2, np.float32), (2, 2))), ValueError,
     r"`out`.*read-only"),
    (lambda: winit.normal((2, 2), out=np.lib.stride_tricks.as_strided(np.empty(2, np.float32), (2, 2),
                                                                       (0, 4))), ValueError,
     r"`out`.*zero stride"),
    (lambda: winit.normal((2,), out=[0.0, 0.0]), TypeError, r"`out`"),
    (lambda: winit.normal((4, 4), region=(slice(0, 5),)), ValueError, r"`region`.*out of bounds"),
    (lambda: winit.normal((4, 4), region=(slice(0, 4, 2),)), ValueError, r"`region`.*step"),
    (lambda: winit.normal((4,), region=(1,)), TypeError, r"`region`"),
    (lambda: winit.normal((4,), region=(slice(0, 1), slice(0, 1))), ValueError, r"`region`"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_bad_input_takes_no_stream():
    g = winit.Generator(1)
    with pytest.raises(ValueError):
        winit.normal((2,), std=-1, rng=g)
    assert g.position == 0
