"""Cross-checks against torch.nn.init, jax.nn.initializers and keras.initializers:
for the same layer and parameters, the same distribution (two-sample KS at
alpha = 1e-6 with fixed seeds on both sides, so deterministic) and the same support.
Distributional, not bitwise. Each peer is skipped cleanly when not importable."""
import math
import os

import numpy as np
import pytest
from scipy import stats

import winit

ALPHA = 1e-6


def same_distribution(ours, theirs, what):
    """Two-sample KS; for a bounded distribution (uniform, truncated normal: negative
    excess kurtosis on both sides) also the same support, to within 1% of its span."""
    a = np.asarray(ours, np.float64).reshape(-1)
    b = np.asarray(theirs, np.float64).reshape(-1)
    p = stats.ks_2samp(a, b).pvalue
    assert p > ALPHA, f"{what}: KS p={p:.3g}"
    if stats.kurtosis(a) < -0.3 and stats.kurtosis(b) < -0.3:
        span = b.max() - b.min()
        assert abs(a.max() - b.max()) < 0.01 * span and abs(a.min() - b.min()) < 0.01 * span, what


# ---------------------------------------------------------------- torch

IN, OUT = 384, 256


def torch_cases():
    return [
        ("xavier_uniform_", {"gain": 2.0}, winit.glorot_uniform, {"gain": 2.0}),
        ("xavier_normal_", {}, winit.glorot_normal, {}),
        ("kaiming_uniform_", {"nonlinearity": "relu"}, winit.kaiming_uniform, {}),
        ("kaiming_uniform_", {"a": 0.2, "mode": "fan_out"}, winit.kaiming_uniform,
         {"gain": winit.calculate_gain("leaky_relu", 0.2), "mode": "fan_out"}),
        ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}, winit.kaiming_normal,
         {"mode": "fan_out"}),
        ("uniform_", {"a": -0.5, "b": 2.0}, winit.uniform, {"low": -0.5, "high": 2.0}),
        ("normal_", {"mean": 1.0, "std": 0.3}, winit.normal, {"mean": 1.0, "std": 0.3}),
        ("trunc_normal_", {"mean": 0.1, "std": 0.5, "a": -0.4, "b": 1.5}, winit.truncated_normal,
         {"mean": 0.1, "std": 0.5, "lo": -0.4, "hi": 1.5}),
    ]


@pytest.mark.parametrize("i", range(8))
def test_torch_linear(i):
    torch = pytest.importorskip("torch")
    tname, tkw, fn, kw = torch_cases()[i]
    torch.manual_seed(1)
    t = torch.empty(OUT, IN)  # torch Linear weight (out, in)
    getattr(torch.nn.init, tname)(t, **tkw)
    same_distribution(fn((IN, OUT), rng=1, **kw), t.numpy(), tname)  # our (in, out)
    same_distribution(fn((OUT, IN), rng=1, layout="torch", **kw), t.numpy(), tname + " torch")


def test_torch_conv_kernel():
    torch = pytest.importorskip("torch")
    torch.manual_seed(2)
    t = torch.empty(64, 32, 3, 3)
    torch.nn.init.kaiming_normal_(t, nonlinearity="relu")
    same_distribution(winit.kaiming_normal((3, 3, 32, 64), rng=2), t.numpy(), "conv keras layout")
    same_distribution(winit.kaiming_normal((64, 32, 3, 3), layout="torch", rng=2), t.numpy(),
                      "conv torch layout")


def test_torch_orthogonal():
    torch = pytest.importorskip("torch")
    torch.manual_seed(3)
    for shape in [(300, 200), (200, 300)]:
        t = torch.empty(*shape)
        torch.nn.init.orthogonal_(t, gain=1.5)
        ours = winit.orthogonal(shape, gain=1.5, rng=3)
        same_distribution(ours, t.numpy(), f"orthogonal {shape}")


# ---------------------------------------------------------------- JAX

def jax_init(name, *args, **kw):
    jax = pytest.importorskip("jax")
    return jax, getattr(jax.nn.initializers, name)(*args, **kw)


@pytest.mark.parametrize("jname, jargs, fn, kw", [
    ("glorot_uniform", (), winit.glorot_uniform, {}),
    ("glorot_normal", (), winit.glorot_normal, {"distribution": "truncated_normal"}),
    ("he_uniform", (), winit.kaiming_uniform, {}),
    ("he_normal", (), winit.kaiming_normal, {"distribution": "truncated_normal"}),
    ("lecun_normal", (), winit.lecun_normal, {"distribution": "truncated_normal"}),
    ("lecun_uniform", (), winit.lecun_uniform, {}),
    ("variance_scaling", (2.0, "fan_geo_avg", "normal"), winit.variance_scaling,
     {"scale": 2.0, "mode": "fan_geo_avg", "distribution": "normal"}),
    ("variance_scaling", (0.5, "fan_out", "truncated_normal"), winit.variance_scaling,
     {"scale": 0.5, "mode": "fan_out"}),
    ("orthogonal", (1.5,), winit.orthogonal, {"gain": 1.5}),
])
def test_jax(jname, jargs, fn, kw):
    jax, init = jax_init(jname, *jargs)
    for shape in [(3, 3, 48, 64), (400, 300)]:
        theirs = np.asarray(init(jax.random.key(0), shape, np.float32))
        same_distribution(fn(shape, rng=4, **kw), theirs, f"{jname} {shape}")


def test_jax_axes():
    jax, init = jax_init("variance_scaling", 1.0, "fan_in", "normal", in_axis=0, out_axis=(1, 2),
                         batch_axis=3)
    shape = (30, 8, 9, 5)
    theirs = np.asarray(init(jax.random.key(1), shape, np.float32))
    ours = winit.variance_scaling(shape, distribution="normal", in_axis=0, out_axis=(1, 2),
                                  batch_axis=3, rng=1)
    same_distribution(ours, theirs, "axes")


@pytest.mark.parametrize("distribution", ["uniform", "normal"])
def test_jax_complex(distribution):
    jax, init = jax_init("variance_scaling", 2.0, "fan_in", distribution)
    shape = (250, 400)
    theirs = np.asarray(init(jax.random.key(2), shape, np.complex64))
    ours = winit.variance_scaling(shape, scale=2.0, distribution=distribution, dtype="complex64",
                                  rng=2)
    same_distribution(np.abs(ours) ** 2, np.abs(theirs) ** 2, f"|w|^2 {distribution}")
    same_distribution(np.angle(ours), np.angle(theirs), f"angle {distribution}")


def test_jax_complex_truncated_differs_by_its_constant():
    """JAX divides by 0.95311164380491208 where the std of the truncated complex normal
    is 0.96196...: its E|w|^2 is 1.87% above the variance; ours is the variance."""
    jax, init = jax_init("variance_scaling", 1.0, "fan_in", "truncated_normal")
    shape = (100, 4000)
    theirs = np.abs(np.asarray(init(jax.random.key(3), shape, np.complex128))) ** 2
    ours = np.abs(winit.variance_scaling(shape, dtype="complex128", rng=3)) ** 2
    v = 1 / 100
    factor = (winit._sampling.CTRUNC2_STD / 0.95311164380491208) ** 2
    z = stats.norm.isf(ALPHA / 2)
    assert abs(ours.mean() - v) < z * ours.std() / math.sqrt(ours.size)
    assert abs(theirs.mean() - v * factor) < z * theirs.std() / math.sqrt(theirs.size)
    same_distribution(ours * factor, theirs, "shape of |w|^2")


def test_jax_delta_orthogonal():
    jax, init = jax_init("delta_orthogonal", 2.0)
    shape = (3, 3, 16, 32)
    theirs = np.asarray(init(jax.random.key(0), shape, np.float32))
    ours = winit.delta_orthogonal(shape, gain=2.0, rng=0)
    taps = [np.argwhere(np.abs(w).sum((2, 3)) != 0).tolist() for w in (theirs, ours)]
    assert taps[0] == taps[1] == [[1, 1]]
    same_distribution(ours[1, 1], theirs[1, 1], "centre tap")


# ---------------------------------------------------------------- Keras

@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    return pytest.importorskip("keras")


@pytest.mark.parametrize("kname, kkw, fn, kw", [
    ("GlorotUniform", {}, winit.glorot_uniform, {}),
    ("GlorotNormal", {}, winit.glorot_normal, {"distribution": "truncated_normal"}),
    ("HeUniform", {}, winit.kaiming_uniform, {}),
    ("HeNormal", {}, winit.kaiming_normal, {"distribution": "truncated_normal"}),
    ("LecunUniform", {}, winit.lecun_uniform, {}),
    ("LecunNormal", {}, winit.lecun_normal, {"distribution": "truncated_normal"}),
    ("VarianceScaling", {"scale": 3.0, "mode": "fan_avg", "distribution": "untruncated_normal"},
     winit.variance_scaling, {"scale": 3.0, "mode": "fan_avg", "distribution": "untruncated_normal"}),
    ("RandomUniform", {"minval": -0.2, "maxval": 0.6}, winit.uniform, {"low": -0.2, "high": 0.6}),
    ("RandomNormal", {"mean": 0.5, "stddev": 0.1}, winit.normal, {"mean": 0.5, "std": 0.1}),
    ("TruncatedNormal", {"mean": 0.5, "stddev": 0.1}, winit.truncated_normal,
     {"mean": 0.5, "std": 0.1, "lo": -2, "hi": 2, "bounds": "std"}),
    ("Orthogonal", {"gain": 2.0}, winit.orthogonal, {"gain": 2.0}),
])
def test_keras(keras, kname, kkw, fn, kw):
    init = getattr(keras.initializers, kname)(seed=5, **kkw)
    for shape in [(3, 3, 48, 64), (400, 300)]:
        theirs = keras.ops.convert_to_numpy(init(shape, dtype="float32"))
        same_distribution(fn(shape, rng=5, **kw), theirs, f"{kname} {shape}")


def test_keras_constants_and_identity(keras):
    np.testing.assert_array_equal(winit.identity_init((4, 6), gain=2),
                                  keras.ops.convert_to_numpy(
                                      keras.initializers.Identity(gain=2)((4, 6))))
    np.testing.assert_array_equal(winit.constant((3, 2), 0.7),
                                  keras.ops.convert_to_numpy(
                                      keras.initializers.Constant(0.7)((3, 2))))
