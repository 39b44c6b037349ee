"""The scheme catalog: every scheme x dtype -- shape, dtype, moments and support vs
theory (fixed seeds, alpha = 1e-6, so deterministic), reproducibility, region ==
slice of the whole, the Flux/Lux documentation examples, structured schemes,
initializer objects and configs, and bad input."""
import json
import math
import pickle

import ml_dtypes
import numpy as np
import pytest
from scipy import stats

import winit
from winit._sampling import CTRUNC2_STD, TRUNC2_STD

ALPHA = 1e-6
Z = stats.norm.isf(ALPHA / 2)
SHAPE = (256, 512)  # fan_in 256, fan_out 512: 131072 values
FAN_IN, FAN_OUT = 256, 512
from conftest import COMPLEX, REAL
ALL = REAL + COMPLEX


def np_dtype(name):
    return np.dtype(ml_dtypes.bfloat16) if name == "bfloat16" else np.dtype(name)


def rounded(v, dt):
    """A bound rounded into dtype (round to nearest is monotone: values within [lo, hi]
    round into [round(lo), round(hi)])."""
    return float(np.asarray(v, np.float64).astype(dt).astype(np.float64))


# ---------------------------------------------------------------- theory
# A distribution as ("uniform", low, high) | ("normal", mean, std) |
# ("truncnorm", mean, std, a, b) with a, b in std units. Complex dtypes get the complex
# family with E|w - mean|^2 equal to the real variance (uniform: a disk; normal: complex
# normal; truncnorm: radially truncated complex normal, E|z|^2 = std^2 before truncation).

def trunc_exp_moments(t):
    """E[X], E[X^2] of X ~ Exp(1) conditioned on X <= t."""
    if math.isinf(t):
        return 1.0, 2.0
    e = math.exp(-t)
    z = -math.expm1(-t)
    return (1 - e * (t + 1)) / z, (2 - e * (t * t + 2 * t + 2)) / z


def theory(dist, cplx):
    """(mean, E|w-mean|^2, Var|w-mean|^2, support radius or (lo, hi), scipy cdf or None
    -- for complex, the cdf of |w - mean|^2)."""
    kind = dist[0]
    if kind == "uniform":
        lo, hi = dist[1], dist[2]
        m, v = (lo + hi) / 2, (hi - lo) ** 2 / 12
        if cplx:
            r = (hi - lo) / math.sqrt(6)
            return m, r * r / 2, r ** 4 / 12, r, stats.uniform(0, r * r).cdf
        return m, v, (hi - lo) ** 4 / 80 - v * v, (lo, hi), stats.uniform(lo, hi - lo).cdf
    if kind == "normal":
        m, s = dist[1], dist[2]
        if cplx:
            return m, s * s, s ** 4, None, stats.expon(scale=s * s).cdf
        return m, s * s, 2 * s ** 4, None, stats.norm(m, s).cdf
    m, s, a, b = dist[1:]
    if cplx:
        assert a == -b
        e1, e2 = trunc_exp_moments(b * b)
        d = stats.truncexpon(b * b, scale=s * s) if math.isfinite(b) else stats.expon(scale=s * s)
        return m, s * s * e1, s ** 4 * (e2 - e1 * e1), b * s, d.cdf
    d = stats.truncnorm(a, b, loc=m, scale=s)
    mu = d.mean()
    v = d.var()
    mu4 = d.expect(lambda x: (x - mu) ** 4)
    return mu, v, mu4 - v * v, (m + a * s, m + b * s), d.cdf


def check_distribution(x, dist, what):
    x = np.asarray(x)
    cplx = x.dtype.kind == "c"
    xs = x.astype(np.complex128 if cplx else np.float64).reshape(-1)
    n = xs.size
    m, v, var2, support, cdf = theory(dist, cplx)
    if cplx:
        for part in (xs.real - m, xs.imag):
            assert abs(part.mean()) < Z * math.sqrt(v / 2 / n), f"{what}: mean"
        d2 = np.abs(xs - m) ** 2
        if v:
            assert abs(d2.mean() - v) < Z * math.sqrt(var2 / n), f"{what}: E|w|^2 {d2.mean()} vs {v}"
        if support is not None:
            assert np.sqrt(d2.max()) <= support * (1 + 1e-6), f"{what}: radius"
        # the angle is uniform and independent of the radius
        ang = np.angle(xs - m)
        assert stats.kstest(ang, stats.uniform(-math.pi, 2 * math.pi).cdf).pvalue > ALPHA
        if v:
            assert stats.kstest(d2, cdf).pvalue > ALPHA, f"{what}: KS of |w|^2"
        return
    assert abs(xs.mean() - m) < Z * math.sqrt(v / n) + 1e-12, f"{what}: mean {xs.mean()} vs {m}"
    assert abs(((xs - m) ** 2).mean() - v) < Z * math.sqrt(var2 / n), f"{what}: var"
    if support is not None:
        lo, hi = support
        assert xs.min() >= rounded(lo, x.dtype) and xs.max() <= rounded(hi, x.dtype), what
    assert stats.kstest(xs, cdf).pvalue > ALPHA, f"{what}: KS"


def vs_dist(scale, mode, distribution, cplx, fan_in=FAN_IN, fan_out=FAN_OUT):
    """Independent re-derivation of variance_scaling's distribution."""
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2,
         "fan_geo_avg": math.sqrt(fan_in * fan_out)}[mode]
    v = scale / n
    if distribution == "uniform":
        lim = math.sqrt(3 * v)
        return ("uniform", -lim, lim)
    if distribution == "normal":
        return ("normal", 0.0, math.sqrt(v))
    if cplx:  # E|z|^2 = s^2 m(4) = v, m the mean of Exp(1) truncated at 2^2
        return ("truncnorm", 0.0, math.sqrt(v / trunc_exp_moments(4.0)[0]), -2.0, 2.0)
    return ("truncnorm", 0.0, math.sqrt(v) / 0.87962566103423978, -2.0, 2.0)


S2 = math.sqrt(2)
CASES = [  # (id, function, kwargs, distribution(cplx))
    ("uniform", winit.uniform, {"low": -1.0, "high": 3.0}, lambda c: ("uniform", -1.0, 3.0)),
    ("uniform_default", winit.uniform, {}, lambda c: ("uniform", 0.0, 1.0)),
    ("normal", winit.normal, {"mean": 0.5, "std": 2.0}, lambda c: ("normal", 0.5, 2.0)),
    ("truncated_normal_sym", winit.truncated_normal,
     {"mean": 0.5, "std": 2.0, "lo": -1.5, "hi": 2.5},
     lambda c: ("truncnorm", 0.5, 2.0, -1.0, 1.0)),
    ("truncated_normal_std", winit.truncated_normal,
     {"mean": -1.0, "std": 0.5, "lo": -3.0, "hi": 3.0, "bounds": "std"},
     lambda c: ("truncnorm", -1.0, 0.5, -3.0, 3.0)),
    ("glorot_uniform", winit.glorot_uniform, {}, lambda c: vs_dist(1, "fan_avg", "uniform", c)),
    ("glorot_uniform_gain", winit.xavier_uniform, {"gain": 2.0},
     lambda c: vs_dist(4, "fan_avg", "uniform", c)),
    ("glorot_normal", winit.glorot_normal, {}, lambda c: vs_dist(1, "fan_avg", "normal", c)),
    ("glorot_normal_trunc", winit.glorot_normal, {"distribution": "truncated_normal"},
     lambda c: vs_dist(1, "fan_avg", "truncated_normal", c)),
    ("kaiming_uniform", winit.kaiming_uniform, {}, lambda c: vs_dist(2, "fan_in", "uniform", c)),
    ("kaiming_uniform_out", winit.he_uniform, {"mode": "fan_out", "gain": 1.5},
     lambda c: vs_dist(2.25, "fan_out", "uniform", c)),
    ("kaiming_normal", winit.kaiming_normal, {}, lambda c: vs_dist(2, "fan_in", "normal", c)),
    ("kaiming_normal_trunc", winit.he_normal, {"distribution": "truncated_normal"},
     lambda c: vs_dist(2, "fan_in", "truncated_normal", c)),
    ("lecun_uniform", winit.lecun_uniform, {}, lambda c: vs_dist(1, "fan_in", "uniform", c)),
    ("lecun_normal", winit.lecun_normal, {}, lambda c: vs_dist(1, "fan_in", "normal", c)),
    ("lecun_normal_trunc", winit.lecun_normal, {"distribution": "truncated_normal"},
     lambda c: vs_dist(1, "fan_in", "truncated_normal", c)),
] + [
    (f"vs_{m}_{d}", winit.variance_scaling, {"scale": 3.0, "mode": m, "distribution": d},
     (lambda m, d: lambda c: vs_dist(3.0, m, d, c))(m, d))
    for m, d in [("fan_in", "truncated_normal"), ("fan_out", "normal"), ("fan_avg", "uniform"),
                 ("fan_geo_avg", "truncated_normal"), ("fan_geo_avg", "uniform")]
]


@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_moments_vs_theory(case, dtype):
    name, fn, kw, dist = case
    x = fn(SHAPE, dtype=dtype, rng=101, **kw)
    assert x.shape == SHAPE and x.dtype == np_dtype(dtype)
    assert np.isfinite(x).all()
    check_distribution(x, dist(dtype.startswith("complex")), f"{name}/{dtype}")


@pytest.mark.parametrize("dtype", COMPLEX)
def test_complex_truncated_variance_is_exact(dtype):
    """E|w|^2 is the target variance (JAX's constant 0.95311... leaves it 1.9% high)."""
    assert CTRUNC2_STD ** 2 == pytest.approx(trunc_exp_moments(4.0)[0], rel=1e-15)
    x = winit.variance_scaling((1 << 20,), scale=1.0, mode="fan_in", dtype=dtype, rng=3)
    e = np.abs(x.astype(np.complex128)) ** 2
    v = 1.0 / (1 << 20)
    assert abs(e.mean() - v) < Z * e.std() / math.sqrt(e.size)
    assert abs(e.mean() - v * CTRUNC2_STD ** 2 / 0.95311164380491208 ** 2) > 5 * e.std() / 1024


def test_truncation_constant():
    assert TRUNC2_STD == pytest.approx(stats.truncnorm(-2, 2).std(), rel=1e-15)


# ---------------------------------------------------------------- reproducibility, streams

RANDOM = [c for c in CASES if c[0] in ("uniform", "normal", "truncated_normal_sym",
                                        "glorot_uniform", "kaiming_normal_trunc")]
SCHEME_CALLS = [
    ("orthogonal", lambda **k: winit.orthogonal((12, 7), **k)),
    ("delta_orthogonal", lambda **k: winit.delta_orthogonal((3, 4, 6), **k)),
    ("sparse_init", lambda **k: winit.sparse_init((20, 9), sparsity=0.3, **k)),
] + [(c[0], (lambda c: lambda **k: c[1]((33, 17), **c[2], **k))(c)) for c in RANDOM]


@pytest.mark.parametrize("dtype", ["float32", "complex128", "bfloat16"])
@pytest.mark.parametrize("name, call", SCHEME_CALLS, ids=[c[0] for c in SCHEME_CALLS])
def test_reproducible_and_streams(name, call, dtype):
    a = call(dtype=dtype, rng=7)
    b = call(dtype=dtype, rng=7)
    assert a.tobytes() == b.tobytes()
    assert call(dtype=dtype, rng=8).tobytes() != a.tobytes()
    g = winit.Generator(7)
    first = call(dtype=dtype, rng=g)
    assert g.position == 1  # one stream per call, whatever the scheme
    assert first.tobytes() == a.tobytes()
    assert call(dtype=dtype, rng=g).tobytes() != a.tobytes()
    assert g.position == 2
    fresh = call(dtype=dtype)  # rng=None: OS entropy
    assert fresh.shape == a.shape


def test_deterministic_schemes_take_no_stream():
    g = winit.Generator(1)
    winit.zeros((3,), rng=g), winit.identity_init((3, 3), rng=g), winit.dirac((3, 3, 3), rng=g)
    assert g.position == 0


# ---------------------------------------------------------------- regions

SHARD_SHAPE = (9, 14)
REGIONS = [(slice(2, 5), slice(3, 11)), (slice(0, 9),), (slice(8, 9), slice(13, 14)),
           (slice(1, 2), slice(0, 14)), (slice(3, 3),), (slice(0, 9), slice(5, 6)),
           (slice(4, 7), slice(1, 2))]
SHARDABLE = [
    ("uniform", lambda **k: winit.uniform(SHARD_SHAPE, -1, 2, **k)),
    ("normal", lambda **k: winit.normal(SHARD_SHAPE, 1, 2, **k)),
    ("truncated_normal", lambda **k: winit.truncated_normal(SHARD_SHAPE, 0, 1, -1, 1, **k)),
    ("variance_scaling", lambda **k: winit.variance_scaling(SHARD_SHAPE, **k)),
    ("glorot_uniform", lambda **k: winit.glorot_uniform(SHARD_SHAPE, **k)),
    ("glorot_normal", lambda **k: winit.glorot_normal(SHARD_SHAPE, **k)),
    ("kaiming_uniform", lambda **k: winit.kaiming_uniform(SHARD_SHAPE, **k)),
    ("kaiming_normal", lambda **k: winit.kaiming_normal(SHARD_SHAPE, **k)),
    ("lecun_uniform", lambda **k: winit.lecun_uniform(SHARD_SHAPE, **k)),
    ("lecun_normal", lambda **k: winit.lecun_normal(SHARD_SHAPE, distribution="truncated_normal",
                                                    **k)),
    ("sparse_init", lambda **k: winit.sparse_init(SHARD_SHAPE, sparsity=0.6, **k)),
    ("sparse_init_torch", lambda **k: winit.sparse_init(SHARD_SHAPE, sparsity=0.4, layout="torch",
                                                        **k)),
    ("zeros", lambda **k: winit.zeros(SHARD_SHAPE, **k)),
    ("ones", lambda **k: winit.ones(SHARD_SHAPE, **k)),
    ("constant", lambda **k: winit.constant(SHARD_SHAPE, 2.5, **k)),
    ("identity_init", lambda **k: winit.identity_init(SHARD_SHAPE, gain=3, shift=(2, 5), **k)),
    ("identity_init_3d", lambda **k: winit.identity_init(SHARD_SHAPE + (3,), shift=1, **k)),
    ("dirac", lambda **k: winit.dirac(SHARD_SHAPE + (6,), groups=2, **k)),
]


@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("name, call", SHARDABLE, ids=[c[0] for c in SHARDABLE])
def test_region_equals_slice_of_whole(name, call, dtype):
    whole = call(dtype=dtype, rng=10)
    for reg in REGIONS:
        part = call(dtype=dtype, rng=10, region=reg)
        assert part.dtype == whole.dtype and part.shape == whole[reg].shape
        assert part.tobytes() == np.ascontiguousarray(whole[reg]).tobytes(), reg


def test_region_with_out_and_scalar_complex():
    whole = winit.normal((5, 6), dtype="complex64", rng=3)
    out = np.empty((2, 6), np.complex64)
    r = winit.normal((5, 6), dtype="complex64", rng=3, region=(slice(1, 3),), out=out)
    assert r is out and out.tobytes() == whole[1:3].tobytes()
    s = winit.normal((), dtype="complex128", rng=3)
    assert s.shape == () and s == winit.normal((1,), dtype="complex128", rng=3)[0]
    o = np.empty((), np.complex128)
    assert winit.normal((), dtype="complex128", rng=3, out=o) is o and o == s


def test_sparse_blocks_from_a_big_tensor():
    """Column and row blocks of a tensor wider than one key chunk."""
    shape = (40, 3000)
    whole = winit.sparse_init(shape, sparsity=0.25, rng=4)
    assert ((whole == 0).sum(axis=1) == 750).all()
    for reg in [(slice(None), slice(1000, 1100)), (slice(7, 9), slice(None)),
                (slice(0, 40), slice(2990, 3000))]:
        assert (winit.sparse_init(shape, sparsity=0.25, rng=4, region=reg) == whole[reg]).all()
    t = winit.sparse_init((3000, 40), sparsity=0.25, layout="torch", rng=4)
    assert ((t == 0).sum(axis=0) == 750).all()
    assert (winit.sparse_init((3000, 40), sparsity=0.25, layout="torch", rng=4,
                              region=(slice(100, 200), slice(3, 5))) == t[100:200, 3:5]).all()


@pytest.mark.parametrize("fn", [winit.orthogonal, winit.delta_orthogonal])
def test_orthogonal_region_is_a_clear_error(fn):
    g = winit.Generator(0)
    with pytest.raises(ValueError, match=r"`region` is not supported by .*orthogonal.*slice"):
        fn((4, 4, 6), region=(slice(0, 2),), rng=g)
    assert g.position == 0
    whole = fn((4, 4, 6), rng=1)
    assert (fn((4, 4, 6), rng=1, region=(slice(0, 4),)) == whole).all()  # the whole is fine


# ---------------------------------------------------------------- documented examples

def test_flux_lux_examples():
    """Flux/Lux docstring examples in our (in, out) layout: Flux's (out, in) reversed."""
    w = winit.glorot_uniform((100, 100), rng=0)  # Flux: glorot_uniform(100, 100)
    assert math.sqrt(6 / 200) == pytest.approx(0.1732, abs=1e-4)
    assert -0.1733 < w.min() < -0.17 and 0.17 < w.max() < 0.1733
    # Flux: std(kaiming_normal(10, 1000)) ~ 0.045 (fan_in 1000), (1000, 10) ~ 0.447 (fan_in 10)
    assert np.std(winit.kaiming_normal((1000, 10), rng=0)) == pytest.approx(0.0447, abs=1e-3)
    assert np.std(winit.kaiming_normal((10, 1000), rng=0)) == pytest.approx(0.447, abs=1e-2)
    s = winit.sparse_init((11, 10), sparsity=0.9, rng=0)  # Flux: sparse_init(10, 11; sparsity=0.9)
    assert ((s == 0).sum(axis=1) == 9).all()
    i = winit.identity_init((3, 3, 2), gain=100)  # Flux: identity_init(3, 3, 2; gain=100)
    np.testing.assert_array_equal(i[1], 100 * np.eye(3, 2))
    assert (i[0] == 0).all() and (i[2] == 0).all()


# ---------------------------------------------------------------- orthogonal

@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("shape", [(8, 8), (20, 5), (5, 20), (3, 4, 10), (2, 3, 4, 3), (1, 7),
                                   (7, 1)])
def test_orthogonal_is_orthogonal(shape, dtype):
    w = winit.orthogonal(shape, gain=1.5, dtype=dtype, rng=2)
    assert w.shape == shape and w.dtype == np_dtype(dtype)
    m = w.astype(np.complex128 if dtype.startswith("c") else np.float64).reshape(-1, shape[-1])
    tol = {"float16": 3e-3, "bfloat16": 2e-2, "float32": 1e-5, "complex64": 1e-5}.get(dtype, 1e-12)
    k = min(m.shape)
    g = m.conj().T @ m if m.shape[0] >= m.shape[1] else m @ m.conj().T
    np.testing.assert_allclose(g, 2.25 * np.eye(k), atol=tol * 2.25 * 4)


def test_orthogonal_float32_stays_float32_and_torch_layout():
    w = winit.orthogonal((16, 3, 3, 3), rng=1)  # Keras conv kernel: the matrix (144, 3)
    assert w.dtype == np.float32
    m = w.reshape(-1, 3).astype(np.float64)
    np.testing.assert_allclose(m.T @ m, np.eye(3), atol=1e-5)
    t = winit.orthogonal((8, 3, 2, 2), layout="torch", rng=1)  # torch (out, in, k, k): (8, 12)
    tm = t.reshape(8, 12).astype(np.float64)
    np.testing.assert_allclose(tm @ tm.T, np.eye(8), atol=1e-5)
    mid = winit.orthogonal((4, 5, 3), out_axis=1, rng=1)  # columns along axis 1
    mm = np.moveaxis(mid, 1, -1).reshape(-1, 5).astype(np.float64)
    np.testing.assert_allclose(mm.T @ mm, np.eye(5), atol=1e-5)


def _reference_qr_input(B):
    """The normal matrix A whose sign-corrected Householder QR is orthogonal()'s Q
    (see winit._orthogonal.haar): rebuilt from the drawn rows B (k, l)."""
    k, l = B.shape
    M = B.T.astype(np.complex128 if B.dtype.kind == "c" else np.float64)
    alpha = np.diagonal(M)[:k]
    xn = np.array([np.linalg.norm(M[j + 1:, j]) for j in range(k)])
    beta = -np.copysign(np.sqrt(np.abs(alpha) ** 2 + xn ** 2), alpha.real)
    R = np.triu(M[:k, :k])
    R[np.arange(k), np.arange(k)] = beta
    return R, beta


@pytest.mark.parametrize("dtype", ["float64", "complex128"])
@pytest.mark.parametrize("shape", [(6, 6), (9, 4), (4, 9)])
def test_orthogonal_is_the_qr_of_a_normal_matrix(shape, dtype):
    """orthogonal(shape) is the Q of numpy's QR of an explicit standard normal matrix A
    (R's diagonal made positive), A = Q_raw R_raw as built from the same stream."""
    m, n = shape
    k, l = min(m, n), max(m, n)
    w = winit.orthogonal(shape, dtype=dtype, rng=5)
    Q = w if m > n else w.T  # (l, k), orthonormal columns
    if dtype == "complex128":
        B = winit.normal((k, 2 * l), 0, math.sqrt(0.5), dtype="float64", rng=5).view(np.complex128)
    else:
        B = winit.normal((k, l), dtype="float64", rng=5)
    R, beta = _reference_qr_input(B)
    A = (Q * np.sign(beta)) @ R  # Q_raw R_raw
    q, r = np.linalg.qr(A)
    q = q * (np.diagonal(r) / np.abs(np.diagonal(r)))
    np.testing.assert_allclose(q, Q, atol=1e-12)
    if k == l:  # square: A = Q_raw R_raw = H_1 ... applied to B^T -> its first column is B[0]
        np.testing.assert_allclose(A[:, 0], B[0], atol=1e-12)


def test_orthogonal_hidden_normal_matrix_is_normal():
    """The Q's are Haar: E tr Q = 0, E tr(Q)^2 = 1 (without the sign correction
    E tr Q != 0); the implicit normal matrix A of a large call is iid N(0, 1) (KS)."""
    g = winit.Generator(11)
    n, reps = 5, 3000
    tr = np.array([np.trace(winit.orthogonal((n, n), dtype="float64", rng=g))
                   for _ in range(reps)])
    assert abs(tr.mean()) < Z / math.sqrt(reps)
    assert abs((tr ** 2).mean() - 1) < Z * math.sqrt(2 / reps)
    # A for one large square call
    B = winit.normal((300, 300), dtype="float64", rng=12)
    q = winit.orthogonal((300, 300), dtype="float64", rng=12)
    R, beta = _reference_qr_input(B)
    A = (q.T * np.sign(beta)) @ R
    assert stats.kstest(A.reshape(-1), stats.norm.cdf).pvalue > ALPHA


def test_orthogonal_complex_is_haar_unitary():
    """Haar unitary: |Q_00|^2 ~ Beta(1, n - 1); the phase of Q_00 is uniform."""
    g = winit.Generator(13)
    n, reps = 4, 3000
    q00 = np.array([winit.orthogonal((n, n), dtype="complex128", rng=g)[0, 0] for _ in range(reps)])
    assert stats.kstest(np.abs(q00) ** 2, stats.beta(1, n - 1).cdf).pvalue > ALPHA
    assert stats.kstest(np.angle(q00), stats.uniform(-math.pi, 2 * math.pi).cdf).pvalue > ALPHA


def test_orthogonal_empty_and_errors():
    assert winit.orthogonal((0, 5), rng=1).shape == (0, 5)
    for bad in [(5,), ()]:
        with pytest.raises(ValueError, match=r"orthogonal needs a shape of rank >= 2.*shape="):
            winit.orthogonal(bad)


# ---------------------------------------------------------------- delta_orthogonal, dirac, identity

@pytest.mark.parametrize("shape, layout", [((3, 4, 6), None), ((3, 3, 5, 5), None),
                                           ((2, 3, 4, 2, 7), None), ((6, 4, 3, 3), "torch")])
def test_delta_orthogonal(shape, layout):
    w = winit.delta_orthogonal(shape, gain=2.0, layout=layout, rng=3)
    assert w.shape == shape
    if layout == "torch":
        w = np.moveaxis(w, (0, 1), (-1, -2))
        shape = w.shape
    centre = tuple((n - 1) // 2 for n in shape[:-2])
    q = w[centre].astype(np.float64)
    np.testing.assert_allclose(q @ q.T, 4 * np.eye(shape[-2]), atol=4e-5)
    mask = np.ones(shape[:-2], bool)
    mask[centre] = False
    assert (w[mask] == 0).all()


@pytest.mark.parametrize("shape, match", [((4, 4), "3-D, 4-D or 5-D"), ((1, 1, 1, 1, 1, 1), "3-D"),
                                          ((3, 5, 4), "out >= in")])
def test_delta_orthogonal_errors(shape, match):
    with pytest.raises(ValueError, match=match):
        winit.delta_orthogonal(shape)


@pytest.mark.parametrize("groups", [1, 2, 3])
def test_dirac_matches_torch(groups):
    torch = pytest.importorskip("torch")
    for tshape in [(6, 4, 3), (6, 6, 3, 4), (12, 2, 3, 3, 2)]:
        t = torch.empty(tshape)
        torch.nn.init.dirac_(t, groups=groups)
        ours_t = winit.dirac(tshape, groups=groups, layout="torch")
        np.testing.assert_array_equal(ours_t, t.numpy())
        # our default layout: (*k, in, out) is torch's weight with axes moved
        kshape = tshape[2:] + (tshape[1], tshape[0])
        ours = winit.dirac(kshape, groups=groups)
        np.testing.assert_array_equal(ours, np.moveaxis(t.numpy(), (0, 1), (-1, -2)))


def test_dirac_errors_and_int_dtype():
    with pytest.raises(ValueError, match="rank >= 3"):
        winit.dirac((3, 3))
    with pytest.raises(ValueError, match=r"`groups` must divide .*5.*Received: groups=2"):
        winit.dirac((3, 4, 5), groups=2)
    with pytest.raises(ValueError, match=r"`groups` must be a positive int.*groups=0"):
        winit.dirac((3, 4, 4), groups=0)
    assert winit.dirac((3, 2, 2), dtype="int8").dtype == np.int8


def test_identity_init():
    np.testing.assert_array_equal(winit.identity_init((4,)), np.zeros(4))
    np.testing.assert_array_equal(winit.identity_init((3, 5), gain=2), 2 * np.eye(3, 5))
    np.testing.assert_array_equal(winit.identity_init((5, 3)), np.eye(5, 3))
    # shift: np.roll along axis 0 (int) or axes 0, 1, ... (tuple), as Flux's circshift
    np.testing.assert_array_equal(winit.identity_init((4, 4), shift=1), np.roll(np.eye(4), 1, 0))
    np.testing.assert_array_equal(winit.identity_init((4, 4), shift=(1, -2)),
                                  np.roll(np.eye(4), (1, -2), (0, 1)))
    w = winit.identity_init((2, 4, 3, 3))  # (kh, kw, in, out): centre (0, 1)
    np.testing.assert_array_equal(w[0, 1], np.eye(3))
    assert w.sum() == 3
    t = winit.identity_init((3, 2, 4, 4), layout="torch")  # (out, in, kh, kw): centre (1, 1)
    np.testing.assert_array_equal(t[:, :, 1, 1], np.eye(3, 2))
    assert winit.identity_init((3, 3), dtype="complex64", gain=1).dtype == np.complex64
    with pytest.raises(ValueError, match=r"`shift` has 3 entries"):
        winit.identity_init((3, 3), shift=(1, 1, 1))


# ---------------------------------------------------------------- sparse_init

@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("sparsity", [0.0, 0.1, 0.5, 0.9, 1.0])
def test_sparse_init(sparsity, dtype):
    shape = (300, 400)
    w = winit.sparse_init(shape, sparsity=sparsity, std=0.5, dtype=dtype, rng=21)
    k = math.ceil(round(sparsity * 400, 9))
    assert ((w == 0).sum(axis=1) == k).all()
    nz = w[w != 0]
    if nz.size:
        check_distribution(nz, ("normal", 0.0, 0.5), f"sparse nonzeros {dtype}")
    # positions differ between units and are uniform over the output axis
    zero_cols = (w == 0).sum(axis=0)
    if 0 < k < 400:
        expected = shape[0] * k / 400
        chi = ((zero_cols - expected) ** 2 / expected).sum()
        assert stats.chi2(399).sf(chi) > ALPHA


def test_sparse_init_count_reads_sparsity_as_meant():
    assert (winit.sparse_init((5, 30), sparsity=0.1, rng=1) == 0).sum(axis=1).tolist() == [3] * 5
    assert (winit.sparse_init((5, 10), sparsity=0.15, rng=1) == 0).sum(axis=1).tolist() == [2] * 5
    w = winit.sparse_init((10, 7), sparsity=0.3, layout="torch", rng=1)  # (out, in)
    assert ((w == 0).sum(axis=0) == 3).all()


def test_sparse_init_matches_torch_count():
    torch = pytest.importorskip("torch")
    t = torch.empty(10, 7)  # torch (out, in): ceil(0.3 * 10) zeros per column
    torch.nn.init.sparse_(t, 0.3)
    ours = winit.sparse_init((10, 7), sparsity=0.3, layout="torch", rng=1)
    np.testing.assert_array_equal((ours == 0).sum(axis=0), (t.numpy() == 0).sum(axis=0))


def test_sparse_init_errors():
    with pytest.raises(ValueError, match=r"Argument `sparsity` must be in \[0, 1\]. "
                                         r"Received: sparsity=2"):
        winit.sparse_init((3, 3), sparsity=2)
    with pytest.raises(ValueError, match="2-D"):
        winit.sparse_init((3, 3, 3), sparsity=0.5)
    with pytest.raises(TypeError, match="sparsity"):
        winit.sparse_init((3, 3))


# ---------------------------------------------------------------- constants, typed helpers

@pytest.mark.parametrize("dtype", ALL + ["int32", "uint8", "bool"])
def test_zeros_ones_constant(dtype):
    dt = np_dtype(dtype)
    assert winit.zeros((2, 3), dtype=dtype).dtype == dt and not winit.zeros((2, 3), dtype=dtype).any()
    assert (winit.ones((4,), dtype=dtype) == 1).all()
    assert (winit.full((2, 2), 1, dtype=dtype) == 1).all()
    assert winit.constant is winit.full


def test_constant_values():
    assert (winit.constant((3,), -np.inf) == -np.inf).all()
    assert (winit.constant((3,), 1 + 2j, dtype="complex64") == 1 + 2j).all()
    with pytest.raises(TypeError, match="`value` is complex but dtype=float32"):
        winit.constant((3,), 1j)
    with pytest.raises(ValueError, match="exactly representable in dtype=int8"):
        winit.constant((3,), 300, dtype="int8")
    with pytest.raises(ValueError, match="exactly representable"):
        winit.constant((3,), 0.5, dtype="int32")
    with pytest.raises(ValueError, match=r"`value` must not be NaN"):
        winit.constant((3,), complex(float("nan"), 0))
    with pytest.raises(ValueError, match=r"`value`"):
        winit.constant((3,), float("nan"))


@pytest.mark.parametrize("stem, base, kw", [("zeros", winit.zeros, {}), ("ones", winit.ones, {}),
                                            ("rand", winit.uniform, {"rng": 3}),
                                            ("randn", winit.normal, {"rng": 3})])
@pytest.mark.parametrize("sfx, dtype", [("16", "float16"), ("32", "float32"), ("64", "float64"),
                                        ("C32", "complex64"), ("C64", "complex128")])
def test_typed_helpers(stem, base, kw, sfx, dtype):
    fn = getattr(winit, stem + sfx)
    a = fn((4, 5), **kw)
    assert a.dtype == np.dtype(dtype)
    assert a.tobytes() == base((4, 5), dtype=dtype, **kw).tobytes()
    init = fn()
    assert init((4, 5), **kw).tobytes() == a.tobytes()
    with pytest.raises(TypeError, match="fixes dtype"):
        fn((2,), dtype="float64")


# ---------------------------------------------------------------- initializer objects

def test_initializer_objects():
    init = winit.glorot_uniform(gain=2.0)
    assert isinstance(init, winit.Initializer) and init.name == "glorot_uniform"
    assert repr(init) == "winit.glorot_uniform(gain=2.0)"
    w = init((30, 20), rng=winit.Generator(3))
    assert w.tobytes() == winit.glorot_uniform((30, 20), gain=2.0, rng=3).tobytes()
    assert init((30, 20), "float64", 3).dtype == np.float64
    cfg = init.get_config()
    assert cfg == {"scheme": "glorot_uniform", "gain": 2.0, "dtype": "float32", "rng": None,
                   "device": "cpu", "in_axis": -2, "out_axis": -1, "batch_axis": [],
                   "layout": None}
    assert winit.from_config(json.loads(json.dumps(cfg))) == init
    assert winit.from_config(cfg) != winit.glorot_uniform()
    assert winit.xavier_uniform(gain=2.0) == init  # aliases are the same scheme
    assert pickle.loads(pickle.dumps(init)) == init
    with pytest.raises(AttributeError):
        init.params = {}


@pytest.mark.parametrize("name", sorted(winit.SCHEMES))
def test_every_scheme_round_trips_its_config(name):
    spec = winit.get_scheme(name)
    params = {p.name: (0.25 if p.required else p.default) for p in spec.params}
    init = spec.fn(**params, rng=5, dtype="float64")
    cfg = init.get_config()
    assert set(cfg) == {"scheme", *spec.bound_params}
    back = winit.from_config(json.loads(json.dumps(cfg)))
    assert back == init and repr(back) == repr(init)
    shape = (3, 4, 6) if name != "sparse_init" else (4, 6)
    a, b = init(shape), back(shape)
    assert a.dtype == np.float64 and a.tobytes() == b.tobytes()


def test_registry_introspection():
    spec = winit.get_scheme("he_normal")
    assert spec is winit.SCHEMES["kaiming_normal"] and winit.ALIASES["he_normal"] == "kaiming_normal"
    assert spec.param_names == ("gain", "mode", "distribution")
    assert spec.defaults == {"gain": math.sqrt(2), "mode": "fan_in", "distribution": "normal"}
    assert spec.random and spec.axes and spec.shardable
    assert winit.get_scheme("sparse_init").defaults["sparsity"] is winit._registry.REQUIRED
    assert not winit.get_scheme("orthogonal").shardable
    sig = spec.signature
    assert list(sig.parameters)[:4] == ["shape", "gain", "mode", "distribution"]
    assert spec.check({"gain": 1}) == {"gain": 1.0, "mode": "fan_in", "distribution": "normal"}
    with pytest.raises(ValueError, match="`scheme` must be one of"):
        winit.get_scheme("glorot")
    expected = {"zeros", "ones", "constant", "uniform", "normal", "truncated_normal",
                "variance_scaling", "glorot_uniform", "glorot_normal", "kaiming_uniform",
                "kaiming_normal", "lecun_uniform", "lecun_normal", "orthogonal",
                "delta_orthogonal", "dirac", "identity_init", "sparse_init"}
    assert set(winit.SCHEMES) == expected
    for name in list(expected) + list(winit.ALIASES):
        assert callable(getattr(winit, name)) and name in winit.__all__


def test_initializer_bound_generator_and_rng_override():
    g = winit.Generator(9)
    init = winit.normal(std=3.0, rng=g)
    a = init((5,))
    b = init((5,))
    assert a.tobytes() != b.tobytes() and g.position == 2
    cfg = json.loads(json.dumps(init.get_config()))
    again = winit.from_config(cfg)  # the generator's state at get_config time
    assert again((5,)).tobytes() == init((5,)).tobytes()
    seeded = winit.normal(rng=4)
    assert seeded((3,)).tobytes() == seeded((3,)).tobytes()  # an int seed repeats, like Keras
    assert seeded((3,), rng=5).tobytes() == winit.normal((3,), rng=5).tobytes()


def test_from_config_errors():
    with pytest.raises(ValueError, match=r"Argument `sparsity` must be in \[0, 1\]. "
                                         r"Received: sparsity=2"):
        winit.from_config({"scheme": "sparse_init", "sparsity": 2})
    with pytest.raises(ValueError, match=r"`mode` must be one of 'fan_in', 'fan_out', 'fan_avg', "
                                         r"'fan_geo_avg'. Received: mode='fan'"):
        winit.from_config({"scheme": "he_uniform", "mode": "fan"})
    with pytest.raises(TypeError, match=r"unexpected argument.*'sparsity'"):
        winit.from_config({"scheme": "glorot_uniform", "sparsity": 0.5})
    with pytest.raises(ValueError, match="'scheme' key"):
        winit.from_config({"gain": 1})
    with pytest.raises(ValueError, match="`scheme` must be one of"):
        winit.from_config({"scheme": "nope"})
    with pytest.raises(TypeError, match="`dtype`"):
        winit.from_config({"scheme": "normal", "dtype": "int32"})


# ---------------------------------------------------------------- bad input

BAD = [
    # shapes
    (lambda: winit.glorot_uniform((2, -1)), ValueError, r"`shape`.*Received: shape=\(2, -1\)"),
    (lambda: winit.orthogonal((2, 1.5)), TypeError, r"`shape`"),
    (lambda: winit.sparse_init((2**40, 2**40), sparsity=0.1), ValueError, r"`shape`.*2\*\*63"),
    (lambda: winit.zeros((2**40, 2**20)), MemoryError, r"GiB"),
    (lambda: winit.orthogonal((2**40, 2**20)), MemoryError, r"GiB"),
    # parameters
    (lambda: winit.sparse_init((3, 3), sparsity=-0.1), ValueError, r"`sparsity`.*sparsity=-0.1"),
    (lambda: winit.sparse_init((3, 3), sparsity=0.5, std=-1), ValueError, r"`std`.*std=-1"),
    (lambda: winit.glorot_uniform((3, 3), gain=-1), ValueError, r"`gain` must be >= 0.*gain=-1"),
    (lambda: winit.kaiming_normal((3, 3), gain=float("nan")), ValueError, r"`gain`.*finite"),
    (lambda: winit.variance_scaling((3, 3), scale=float("inf")), ValueError, r"`scale`"),
    (lambda: winit.orthogonal((3, 3), gain="1"), TypeError, r"`gain`.*str"),
    (lambda: winit.truncated_normal((3,), lo=2, hi=1), ValueError, r"`lo`.*`hi`"),
    (lambda: winit.uniform((3,), 2, 1), ValueError, r"`low`.*`high`"),
    (lambda: winit.variance_scaling((3, 3), mode="fan"), ValueError,
     r"`mode` must be one of 'fan_in', 'fan_out', 'fan_avg', 'fan_geo_avg'"),
    (lambda: winit.variance_scaling((3, 3), distribution="gauss"), ValueError,
     r"`distribution` must be one of 'truncated_normal', 'normal', 'uniform'. "
     r"Received: distribution='gauss'"),
    (lambda: winit.glorot_normal((3, 3), distribution="uniform"), ValueError, r"`distribution`"),
    (lambda: winit.identity_init((3, 3), shift=1.5), TypeError, r"`shift`"),
    (lambda: winit.glorot_uniform((3, 3), foo=1), TypeError, r"glorot_uniform\(\).*foo"),
    (lambda: winit.uniform((3,), 0, 1, 2), TypeError, r"uniform\(\)"),
    # structure
    (lambda: winit.orthogonal((5,)), ValueError, r"rank >= 2"),
    (lambda: winit.delta_orthogonal((3, 5, 4)), ValueError, r"out >= in"),
    (lambda: winit.delta_orthogonal((3, 3)), ValueError, r"3-D, 4-D or 5-D"),
    (lambda: winit.dirac((3, 3)), ValueError, r"rank >= 3"),
    (lambda: winit.sparse_init((3,), sparsity=0.5), ValueError, r"2-D"),
    (lambda: winit.sparse_init((3, 4, 5), sparsity=0.5), ValueError, r"2-D"),
    (lambda: winit.glorot_uniform((3, 3), in_axis=5), ValueError, r"`in_axis`=5 is out of range"),
    (lambda: winit.glorot_uniform((3, 3), layout="tf"), ValueError, r"`layout`"),
    # dtypes
    (lambda: winit.glorot_uniform((3, 3), dtype="int32"), TypeError, r"`dtype`.*int32"),
    (lambda: winit.orthogonal((3, 3), dtype=bool), TypeError, r"`dtype`"),
    (lambda: winit.sparse_init((3, 3), sparsity=0.5, dtype="uint8"), TypeError, r"`dtype`"),
    (lambda: winit.normal((3,), dtype="complex256" if hasattr(np, "complex256") else "int8"),
     TypeError, r"`dtype`"),
    # out / region / rng / device
    (lambda: winit.glorot_uniform((3, 3), out=np.empty((3, 2), np.float32)), ValueError,
     r"`out`.*shape"),
    (lambda: winit.orthogonal((3, 3), out=np.empty((3, 3), np.float64)), ValueError, r"`out`.*dtype"),
    (lambda: winit.sparse_init((4, 4), sparsity=0.5, out=np.lib.stride_tricks.as_strided(
        np.empty(4, np.float32), (4, 4), (0, 4))), ValueError, r"`out`.*zero stride"),
    (lambda: winit.normal((3, 3), dtype="complex64", out=np.empty((3, 3), np.float32)), ValueError,
     r"`out`.*complex64"),
    (lambda: winit.glorot_uniform((4, 4), region=(slice(0, 5),)), ValueError,
     r"`region`.*out of bounds"),
    (lambda: winit.sparse_init((4, 4), sparsity=0.5, region=(slice(0, 2, 2),)), ValueError,
     r"`region`.*step"),
    (lambda: winit.identity_init((4, 4), region=(slice(0, 9),)), ValueError, r"`region`"),
    (lambda: winit.glorot_uniform((4, 4), rng="seed"), TypeError, r"`rng`"),
    (lambda: winit.glorot_uniform((4, 4), rng=-1), ValueError, r"`rng`"),
    (lambda: winit.glorot_uniform((4, 4), device="tpu"), ValueError, r"`device`.*'tpu'"),
    (lambda: winit.glorot_uniform(out=np.empty(3)), TypeError, r"`out` and `region`"),
    (lambda: winit.truncated_normal((3,), 0.0, 1.0, -1.0, 2.0, dtype="complex64"), ValueError,
     r"symmetric about `mean`"),
]


@pytest.mark.parametrize("call, exc, match", BAD)
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("call", [
    lambda g: winit.sparse_init((3, 3), sparsity=2, rng=g),
    lambda g: winit.orthogonal((3,), rng=g),
    lambda g: winit.delta_orthogonal((3, 5, 4), rng=g),
    lambda g: winit.glorot_uniform((3, 3), dtype="int32", rng=g),
    lambda g: winit.glorot_uniform((4, 4), in_axis=7, rng=g),
    lambda g: winit.sparse_init((4, 4, 4), sparsity=0.5, rng=g),
    lambda g: winit.normal((4,), out=np.empty(3, np.float32), rng=g),
    lambda g: winit.truncated_normal((3,), 0.0, 1.0, -1.0, 2.0, dtype="complex64", rng=g),
])
def test_bad_input_takes_no_stream(call):
    g = winit.Generator(1)
    with pytest.raises((ValueError, TypeError)):
        call(g)
    assert g.position == 0


def test_zero_size_shapes():
    for fn, kw in [(winit.glorot_uniform, {}), (winit.orthogonal, {}), (winit.sparse_init,
                   {"sparsity": 0.5}), (winit.identity_init, {}), (winit.kaiming_normal, {})]:
        for shape in [(0, 4), (4, 0)]:
            w = fn(shape, rng=1, **kw)
            assert w.shape == shape and w.dtype == np.float32
    assert winit.dirac((0, 3, 3)).shape == (0, 3, 3)
    assert winit.delta_orthogonal((3, 0, 0), rng=1).shape == (3, 0, 0)
    assert winit.glorot_uniform((), rng=1).shape == ()
    assert winit.glorot_uniform(5, rng=1).shape == (5,)


def test_half_precision_is_the_rounded_float32():
    """float16/bfloat16 are the float32 values rounded (so the same seed agrees)."""
    for fn, kw in [(winit.glorot_uniform, {}), (winit.kaiming_normal, {}),
                   (winit.sparse_init, {"sparsity": 0.3}), (winit.orthogonal, {})]:
        f32 = fn((16, 24), rng=3, **kw)
        for half in ("float16", "bfloat16"):
            h = fn((16, 24), rng=3, dtype=half, **kw)
            assert h.tobytes() == f32.astype(np_dtype(half)).tobytes()


def test_sparse_zero_positions_break_ties_by_index():
    """The C selection (select.h): the k-th smallest (key, index) pair of each unit, with
    many equal keys, in either layout of the keys (units along rows or along columns),
    and the zeros it writes are exactly the k smallest pairs."""
    from winit._core import _core
    rng = np.random.default_rng(0)
    for i in range(300):
        n, m = rng.integers(1, 40), rng.integers(1, 12)
        k = int(rng.integers(1, m + 1))
        keys = rng.integers(0, 4, size=(n, m)).astype(np.uint32)
        if i % 3 == 0:  # full-range keys: every top-8-bit bucket
            keys = rng.integers(0, 2**32, size=(n, m), dtype=np.uint32) | keys
        comb = (keys.astype(np.uint64) << np.uint64(32)) | np.arange(m, dtype=np.uint64)
        kth = np.partition(comb, k - 1, axis=1)[:, k - 1]
        for view in (keys, np.ascontiguousarray(keys.T).T):
            thr = _core.kth_pairs(view, k)
            np.testing.assert_array_equal(thr, kth)
            out = np.ones((m, n), np.float32).T  # (units, positions), units along columns
            _core.sparse_apply(out, view, 0, thr)
            np.testing.assert_array_equal(out == 0, comb <= kth[:, None])


def test_sparse_init_c_selection_equals_the_per_unit_path(monkeypatch):
    """Oracle: the C selection (select.c) against the per-unit path that a long positions
    axis takes (_KEYS_AT_ONCE = 1 sends every unit there): the same bytes for random
    shapes, sparsities (0, 1, tiny), std small enough that values round to 0, every float
    and complex dtype, both layouts, regions, and a transposed out=."""
    from winit import _structured
    rng = np.random.default_rng(5)
    dtypes = ["float32", "float64", "float16", "bfloat16", "complex64", "complex128"]
    for _ in range(150):
        shape = (int(rng.integers(1, 40)), int(rng.integers(1, 40)))
        reg = None
        if rng.random() < 0.5:
            a0, b0 = int(rng.integers(0, shape[0])), int(rng.integers(0, shape[1]))
            reg = (slice(a0, int(rng.integers(a0 + 1, shape[0] + 1))),
                   slice(b0, int(rng.integers(b0 + 1, shape[1] + 1))))
        kw = dict(sparsity=float(rng.choice([0.0, 1.0, rng.random(), 1e-9, 0.5])),
                  std=float(rng.choice([0.01, 1e-30, 1.0])), rng=int(rng.integers(0, 100)),
                  dtype=str(rng.choice(dtypes)), layout=str(rng.choice(["keras", "torch"])))
        c = winit.sparse_init(shape, region=reg, **kw)
        out = np.empty(c.shape[::-1], c.dtype).T
        assert winit.sparse_init(shape, region=reg, out=out, **kw) is out
        with monkeypatch.context() as m:
            m.setattr(_structured, "_KEYS_AT_ONCE", 1)
            p = winit.sparse_init(shape, region=reg, **kw)
        assert c.tobytes() == p.tobytes() == out.tobytes(), (shape, reg, kw)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64", "complex64",
                                   "complex128"])
def test_sparse_apply_turns_other_zeros_into_the_smallest_subnormal(dtype):
    """Values that are +-0 but not chosen become the smallest subnormal of their sign
    (a complex value only when both parts are 0; its real part changes)."""
    from winit._core import _core
    dt = np_dtype(dtype)
    vals = np.array([0.0, -0.0, 1.5, -2.0, 0.0, -0.0], dt)
    if dt.kind == "c":
        vals[4] = 1j  # a zero real part only: not a zero
    out = vals.reshape(1, 6).copy()
    keys = np.array([[5, 1, 9, 9, 9, 9]], np.uint32)  # chosen: the pair (1, 1) alone
    thr = _core.kth_pairs(keys, 1)
    _core.sparse_apply(out, keys, 0, thr)
    part = np.zeros((), dt).real.dtype
    tiny = np.array(1, {2: np.uint16, 4: np.uint32, 8: np.uint64}[part.itemsize]).view(part)
    want = vals.copy()
    want[0], want[1] = tiny, 0
    if dt.kind != "c":
        want[4] = tiny
    want[5] = -tiny
    assert out[0].tobytes() == want.tobytes()


def test_sparse_core_checks_its_arguments():
    from winit._core import _core
    keys = np.zeros((2, 3), np.uint32)
    with pytest.raises(ValueError, match="k <= positions"):
        _core.kth_pairs(keys, 4)
    with pytest.raises(ValueError, match="k <= positions"):
        _core.kth_pairs(keys, 0)
    with pytest.raises(TypeError, match="uint32"):
        _core.kth_pairs(keys.astype(np.int64), 1)
    with pytest.raises(ValueError, match="2-D"):
        _core.kth_pairs(keys[0], 1)
    thr = _core.kth_pairs(keys, 1)
    with pytest.raises(TypeError, match="16-, 32- or 64-bit floats"):
        _core.sparse_apply(np.zeros((2, 3), np.int32), keys, 0, thr)
    with pytest.raises(ValueError, match="shapes differ"):
        _core.sparse_apply(np.zeros((3, 2), np.float32), keys, 0, thr)
    ro = np.zeros((2, 3), np.float32)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        _core.sparse_apply(ro, keys, 0, thr)


# ------------------------------------------------------------------ large constants in C
@pytest.mark.parametrize("dtype, value", [
    ("float32", -0.0), ("float64", 0.1), ("float16", 65504.0), ("bfloat16", -3.5),
    ("complex64", 1.5 - 2j), ("complex128", 0j), ("int8", -3), ("int64", 2**40), ("bool", 1)])
@pytest.mark.parametrize("threads", [1, 2])
def test_large_constants_are_the_value_in_every_element(dtype, value, threads):
    """Constants from 2^15 elements are set by the C core with threads (fill_constant):
    every byte as numpy's full, -0.0 kept, contiguous or strided out, sizes that do not
    split evenly between threads."""
    winit.set_num_threads(threads)
    try:
        for n in ((1 << 15) - 1, (1 << 15) + 37, 3 * (1 << 17) + 5):
            want = np.full(n, value, dtype=dtype).tobytes()
            assert winit.constant((n,), value, dtype=dtype).tobytes() == want
            out = np.empty(n, dtype)
            assert winit.constant((n,), value, dtype=dtype, out=out) is out
            assert out.tobytes() == want
            strided = np.empty((n, 2), dtype)[:, 1]
            winit.constant((n,), value, dtype=dtype, out=strided)
            assert strided.tobytes() == want
        ones = winit.ones((5, 1 << 14), dtype=dtype)
        assert ones.tobytes() == np.ones((5, 1 << 14), dtype).tobytes()
    finally:
        winit.set_num_threads(0)


@pytest.mark.parametrize("dtype, value", [("float32", 0.3), ("float16", -2.5), ("int8", 7),
                                          ("complex128", 1 - 3j), ("float64", -0.0)])
@pytest.mark.parametrize("threads", [1, 2])
def test_large_constants_bypassing_the_caches_are_exact(dtype, value, threads):
    """A constant of more than 32 MiB is written with 16-byte non-temporal stores of the
    pattern rotated to the output's alignment: every byte as numpy's full, at any byte
    offset of the output and any length."""
    from winit._core import _core
    winit.set_num_threads(threads)
    try:
        esz = np.dtype(dtype).itemsize
        n = (33 << 20) // esz + 3
        want = np.full(n, value, dtype=dtype).tobytes()
        for offset in (0, 1, esz, 5):
            raw = np.empty(n * esz + 16, np.uint8)
            out = raw[offset:offset + n * esz].view(dtype)
            _core.fill_constant(out, np.array(value, dtype).tobytes())
            assert out.tobytes() == want, offset
    finally:
        winit.set_num_threads(0)


def test_fill_constant_checks_its_output():
    from winit._core import _core
    with pytest.raises(ValueError, match="C-contiguous"):
        _core.fill_constant(np.empty((4, 4), np.float32)[:, 1], b"\0\0\0\0")
    with pytest.raises(ValueError, match="4-byte elements"):
        _core.fill_constant(np.empty(4, np.float32), b"\0\0")
    ro = np.empty(4, np.float32)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        _core.fill_constant(ro, b"\0\0\0\0")
