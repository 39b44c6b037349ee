"""winit.jax on one CPU device: the API mirrors jax.nn.initializers (names, parameters,
defaults, JAX's errors), the key rule, the values are winit's for the mapped generator,
eager == jit == vmap bit for bit in every dtype, the same distributions as JAX's
(two-sample KS at alpha = 1e-6 with fixed seeds, so deterministic; fans compared exactly),
and Flax linen / NNX models initialize with them. The 8-device sharding checks are in
tests/test_jax_sharded.py (a subprocess: XLA_FLAGS must be set before jax is imported)."""
import inspect
import math
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
from scipy import stats

import winit

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

import winit.jax as wj
from winit.jax import _fill

JI = jax.nn.initializers
ALPHA = 1e-6
KEY = jax.random.key(1234)


def A(x):
    return np.asarray(x)


def same_bits(a, b):
    a, b = A(a), A(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


# ---------------------------------------------------------------- the API mirrors JAX's

def test_import_winit_does_not_import_jax():
    code = "import sys, winit; print('jax' in sys.modules, 'winit.jax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_every_jax_initializer_name_is_here():
    names = [n for n in dir(JI) if not n.startswith("_")]
    assert len(names) >= 20
    for n in names:
        assert hasattr(wj, n), n
    assert wj.zeros is JI.zeros and wj.ones is JI.ones and wj.constant is JI.constant
    assert wj.xavier_uniform is wj.glorot_uniform and wj.kaiming_normal is wj.he_normal


@pytest.mark.parametrize("name", ["uniform", "normal", "truncated_normal", "variance_scaling",
                                  "glorot_uniform", "glorot_normal", "lecun_uniform",
                                  "lecun_normal", "he_uniform", "he_normal", "orthogonal",
                                  "delta_orthogonal"])
def test_factory_signatures_match_jax(name):
    ours, theirs = inspect.signature(getattr(wj, name)), inspect.signature(getattr(JI, name))
    assert [(p.name, p.default, p.kind) for p in ours.parameters.values()] == \
           [(p.name, p.default, p.kind) for p in theirs.parameters.values()]


def test_init_call_convention():
    init = wj.glorot_uniform(dtype=jnp.bfloat16)
    assert isinstance(init, JI.Initializer)  # JAX's runtime-checkable protocol
    params = list(inspect.signature(init).parameters)
    assert params == ["key", "shape", "dtype", "out_sharding"]
    assert init(KEY, (4, 3)).dtype == jnp.bfloat16          # the factory's dtype
    assert init(KEY, (4, 3), None).dtype == jnp.float32     # None: JAX's default float
    assert init(KEY, (4, 3), jnp.float16).dtype == jnp.float16
    w = wj.normal()(KEY, (jnp.int32(4), np.int64(3)))       # jnp / numpy ints in a shape
    assert w.shape == (4, 3) and wj.normal()(KEY, 5).shape == (5,)
    assert wj.normal()(KEY, ()).shape == () and wj.normal()(KEY, (0, 3)).shape == (0, 3)
    assert jax.jit(lambda k: wj.normal()(k, (0, 3)))(KEY).shape == (0, 3)
    with pytest.raises(TypeError, match="shape"):
        jax.jit(lambda n: wj.normal()(KEY, (n, 3)))(4)       # a traced shape
    assert {d.platform for d in w.devices()} == {"cpu"}


def test_jax_errors_are_jax_errors():
    for init in (wj.glorot_uniform(), wj.he_normal(), wj.variance_scaling(1.0, "fan_in", "normal")):
        for theirs in (JI.glorot_uniform(),):
            with pytest.raises(ValueError) as a:
                theirs(KEY, (5,))
            with pytest.raises(ValueError) as b:
                init(KEY, (5,))
            assert str(a.value) == str(b.value)
    assert wj.variance_scaling(1.0, "fan_in", "normal", in_axis=0, out_axis=0)  # built fine
    with pytest.raises(ValueError, match="must be a float dtype, got complex64"):
        wj.uniform()(KEY, (3,), jnp.complex64)
    with pytest.raises(ValueError, match="must be a float dtype"):
        wj.truncated_normal()(KEY, (3,), jnp.complex64)
    with pytest.raises(ValueError, match="at least a 2D shape"):
        wj.orthogonal()(KEY, (3,))
    with pytest.raises(ValueError, match="3D, 4D or 5D"):
        wj.delta_orthogonal()(KEY, (3, 3))
    with pytest.raises(ValueError, match="fan_in` must be less or equal"):
        wj.delta_orthogonal()(KEY, (3, 8, 4))
    with pytest.raises(ValueError, match="mode"):
        wj.variance_scaling(1.0, "fan_sideways", "normal")   # at construction, not per call
    with pytest.raises(TypeError, match="key"):
        wj.normal()(7, (3,))
    with pytest.raises(TypeError, match="single PRNG key"):
        wj.normal()(jax.random.split(KEY, 2), (3,))


def test_winit_errors_come_at_trace_time_not_run_time():
    """Under jit a bad argument is winit's ValueError while tracing (a dry run on an empty
    block), not an opaque runtime error from inside the callback."""
    init = wj.variance_scaling(1.0, "fan_in", "normal", in_axis=5)
    with pytest.raises(ValueError, match="in_axis"):
        jax.jit(lambda k: init(k, (3, 4)))(KEY)
    with pytest.raises(ValueError, match="sparse_init needs a 2-D shape"):
        jax.jit(lambda k: wj.sparse_init(0.5)(k, (3, 4, 5)))(KEY)
    with pytest.raises(ValueError, match="out_axis"):
        jax.jit(lambda k: wj.orthogonal(column_axis=4)(k, (30, 40)))(KEY)


def test_float64_without_x64_is_float32_with_jax_warning():
    with pytest.warns(UserWarning, match="requested in normal is not available"):
        w = wj.normal()(KEY, (8,), jnp.float64)
    assert w.dtype == jnp.float32 and same_bits(w, wj.normal()(KEY, (8,), jnp.float32))


# ---------------------------------------------------------------- the key rule

def test_key_rule():
    for s in (0, 7, 2**32 - 1):  # key(S) has words (0, S): the generator of rng=S
        assert wj.generator(jax.random.key(s)) == winit.Generator(s)
        assert same_bits(wj.glorot_uniform()(jax.random.key(s), (30, 20)),
                         winit.glorot_uniform((30, 20), rng=s))
    k0, k1 = (int(w) for w in jax.random.key_data(KEY))
    assert wj.generator(KEY) == winit.Generator((k0 << 32) | k1)
    raw = jax.random.PRNGKey(1234)  # raw uint32[2]: same words, same values
    assert same_bits(wj.normal()(raw, (50,)), wj.normal()(KEY, (50,)))
    assert same_bits(wj.normal()(np.asarray(raw), (50,)), wj.normal()(KEY, (50,)))
    assert wj.generator(jax.random.key(0)).position == 0


def test_other_prng_impls_fold_in_their_word_count():
    key = jax.random.key(5, impl="rbg")
    words = [int(w) for w in jax.random.key_data(key)]
    assert len(words) == 4
    seed = int.from_bytes(b"".join(w.to_bytes(4, "big") for w in words), "big")
    assert wj.generator(key) == winit.Generator(seed).fold_in(4)
    assert same_bits(wj.normal()(key, (40,)), winit.normal((40,), std=0.01,
                                                           rng=winit.Generator(seed).fold_in(4)))
    assert same_bits(jax.jit(lambda k: wj.normal()(k, (40,)))(key), wj.normal()(key, (40,)))


def test_split_and_fold_in_keys_give_independent_streams():
    # (JAX's threefry gives fold_in(k, i) == split(k, n)[i]: those are one key)
    keys = [KEY, *jax.random.split(KEY, 3), jax.random.fold_in(KEY, 7),
            jax.random.fold_in(jax.random.split(KEY)[0], 1), jax.random.key(1235)]
    words = {tuple(int(w) for w in jax.random.key_data(k)) for k in keys}
    assert len(words) == len(keys)
    assert len({wj.generator(k).key for k in keys}) == len(keys)
    vals = np.stack([A(wj.normal(1.0)(k, (20_000,))) for k in keys])
    c = np.corrcoef(vals)
    off = c[~np.eye(len(keys), dtype=bool)]
    # independent N(0,1) samples of 20000: |r| < 5.3 / sqrt(n) except with prob ~1e-7
    assert np.abs(off).max() < 5.3 / math.sqrt(vals.shape[1]), off
    assert same_bits(wj.normal()(KEY, (64,)), wj.normal()(KEY, (64,)))  # the same key: same bits


# ---------------------------------------------------------------- the values are winit's

def _vs(**kw):
    return lambda shape, **c: winit.variance_scaling(shape, **kw, **c)


# (factory, its arguments, shape, winit's reference call)
CASES = [
    ("glorot_uniform", {}, (30, 20), _vs(scale=1.0, mode="fan_avg", distribution="uniform")),
    ("glorot_normal", {}, (3, 3, 8, 16), _vs(scale=1.0, mode="fan_avg",
                                             distribution="truncated_normal")),
    ("he_uniform", {}, (30, 20), _vs(scale=2.0, mode="fan_in", distribution="uniform")),
    ("he_normal", {"in_axis": 0, "out_axis": 1}, (30, 20),
     _vs(scale=2.0, mode="fan_in", distribution="truncated_normal", in_axis=0, out_axis=1)),
    ("lecun_uniform", {}, (3, 8, 16), _vs(scale=1.0, mode="fan_in", distribution="uniform")),
    ("lecun_normal", {}, (30, 20), _vs(scale=1.0, mode="fan_in", distribution="truncated_normal")),
    ("variance_scaling", {"scale": 0.5, "mode": "fan_geo_avg", "distribution": "normal",
                          "in_axis": 0, "out_axis": (1, 2), "batch_axis": 3}, (6, 4, 5, 3),
     _vs(scale=0.5, mode="fan_geo_avg", distribution="normal", in_axis=0, out_axis=(1, 2),
         batch_axis=3)),
    ("uniform", {"scale": 0.3}, (30, 20), lambda s, **c: winit.uniform(s, low=0.0, high=0.3, **c)),
    ("normal", {"stddev": 0.3}, (30, 20), lambda s, **c: winit.normal(s, std=0.3, **c)),
    ("truncated_normal", {"stddev": 0.3, "lower": -1.0, "upper": 3.0}, (30, 20),
     lambda s, **c: winit.truncated_normal(s, std=0.3, lo=-1.0, hi=3.0, bounds="std", **c)),
    ("orthogonal", {"scale": 1.5, "column_axis": 0}, (12, 20),
     lambda s, **c: winit.orthogonal(s, gain=1.5, out_axis=0, **c)),
    ("delta_orthogonal", {"scale": 2.0}, (3, 3, 4, 6),
     lambda s, **c: winit.delta_orthogonal(s, gain=2.0, **c)),
    ("sparse_init", {"sparsity": 0.5, "std": 0.1}, (20, 30),
     lambda s, **c: winit.sparse_init(s, sparsity=0.5, std=0.1, **c)),
    ("identity_init", {"gain": 2.0}, (3, 3, 4, 4), lambda s, **c: winit.identity_init(s, gain=2.0, **c)),
    ("dirac", {"groups": 2}, (3, 3, 4, 8), lambda s, **c: winit.dirac(s, groups=2, **c)),
]
IDS = [c[0] for c in CASES]
COMPLEX_OK = {"glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
              "lecun_normal", "variance_scaling", "normal", "orthogonal", "delta_orthogonal",
              "sparse_init", "identity_init", "dirac"}


@pytest.mark.parametrize("name, kw, shape, ref", CASES, ids=IDS)
def test_values_are_winits_for_the_mapped_generator(name, kw, shape, ref):
    init = getattr(wj, name)(**kw)
    for key in (KEY, jax.random.key(3)):
        want = ref(shape, dtype="float32", rng=wj.generator(key))
        assert same_bits(init(key, shape), want), name


@pytest.mark.parametrize("i", range(len(CASES)), ids=IDS)
def test_eager_jit_vmap_are_the_same_bits(i):
    """Every case in float32 and bfloat16, plus float16 or complex64 (alternating; both
    are covered by several schemes), eagerly, jitted, vmapped over keys and both."""
    name, kw, shape, ref = CASES[i]
    init = getattr(wj, name)(**kw)
    keys = jax.random.split(KEY, 3)
    extra = jnp.complex64 if i % 2 and name in COMPLEX_OK else jnp.float16
    for dt in (jnp.float32, jnp.bfloat16, extra):
        eager = [init(k, shape, dt) for k in keys]
        jitted, jit_vmapped = jax.jit(lambda k, ks: (  # one program: fewer compiles
            init(k, shape, dt), jax.vmap(lambda k1: init(k1, shape, dt))(ks)))(keys[0], keys)
        assert eager[0].dtype == dt and eager[0].shape == shape
        assert same_bits(jitted, eager[0]), (name, dt)
        for j in range(3):
            assert same_bits(jit_vmapped[j], eager[j]), (name, dt)
        want = ref(shape, dtype=np.dtype(dt), rng=wj.generator(keys[1]))
        assert same_bits(eager[1], want), (name, dt)
    vmapped = jax.vmap(lambda k: init(k, shape))(keys)  # vmap alone (no jit)
    assert all(same_bits(vmapped[j], init(keys[j], shape)) for j in range(3))


@pytest.mark.parametrize("name", ["he_normal", "normal", "orthogonal", "uniform"])
def test_x64_float64_and_complex128(name):
    with jax.enable_x64(True):
        init = getattr(wj, name)()
        shape = (12, 16)
        dts = [jnp.float64] + ([jnp.complex128] if name in COMPLEX_OK else [])
        for dt in dts:
            e = init(KEY, shape, dt)
            assert e.dtype == dt
            assert same_bits(jax.jit(lambda k: init(k, shape, dt))(KEY), e)
            assert same_bits(jax.vmap(lambda k: init(k, shape, dt))(KEY[None])[0], e)
        assert init(KEY, shape).dtype == jnp.float64  # the default float under x64


def test_the_copying_callback_gives_the_same_bits(monkeypatch):
    """Off the CPU the traced path is jax.pure_callback (a host array, then a copy); the
    CPU's in-place buffer_callback and it give the same values."""
    init = wj.glorot_uniform()
    want = jax.jit(lambda k: init(k, (40, 30), jnp.bfloat16))(KEY)
    monkeypatch.setattr(_fill, "_buffer_callback", lambda: None)
    got = jax.jit(lambda k: init(k, (40, 30), jnp.bfloat16))(KEY)
    assert same_bits(got, want)
    assert same_bits(jax.vmap(lambda k: init(k, (40, 30)))(KEY[None])[0], init(KEY, (40, 30)))


def test_single_device_out_sharding():
    dev = jax.devices()[0]
    sh = jax.sharding.SingleDeviceSharding(dev)
    for init in (wj.he_uniform(), wj.orthogonal()):
        e = init(KEY, (16, 12), out_sharding=sh)
        assert same_bits(e, init(KEY, (16, 12))) and e.sharding == sh
        assert same_bits(jax.jit(lambda k: init(k, (16, 12), out_sharding=sh))(KEY), e)
    s = wj.sharded(wj.he_uniform(), (None, "x"))  # no mesh set: unsharded
    assert same_bits(s(KEY, (16, 12), jnp.float32), wj.he_uniform()(KEY, (16, 12)))


def test_initializers_pickle_and_repr():
    init = wj.he_normal(in_axis=0, out_axis=1, dtype=jnp.bfloat16)
    back = pickle.loads(pickle.dumps(init))
    assert same_bits(back(KEY, (8, 6)), init(KEY, (8, 6)))
    assert repr(init).startswith("winit.jax.Initializer(winit.variance_scaling(scale=2.0")
    assert same_bits(wj.from_winit("kaiming_normal", gain=2.0, mode="fan_out")(KEY, (6, 5)),
                     winit.kaiming_normal((6, 5), gain=2.0, mode="fan_out", rng=wj.generator(KEY)))
    assert same_bits(wj.from_winit(winit.kaiming_normal(gain=2.0))(KEY, (6, 5)),
                     winit.kaiming_normal((6, 5), gain=2.0, rng=wj.generator(KEY)))
    with pytest.raises(TypeError, match="winit.Initializer"):
        wj.Initializer("glorot_uniform")


# ---------------------------------------------------------------- same distributions as JAX's

def same_distribution(ours, theirs, what):
    """Two-sample KS; for a bounded distribution also the same support (within 1% of its
    span)."""
    a = A(ours).astype(np.float64).reshape(-1)
    b = A(theirs).astype(np.float64).reshape(-1)
    p = stats.ks_2samp(a, b).pvalue
    assert p > ALPHA, f"{what}: KS p={p:.3g}"
    if stats.kurtosis(a) < -0.3 and stats.kurtosis(b) < -0.3:
        span = b.max() - b.min()
        assert abs(a.max() - b.max()) < 0.01 * span and abs(a.min() - b.min()) < 0.01 * span, what


SHAPES = [(400, 300), (3, 3, 48, 64)]
NAMED = [("glorot_uniform", ()), ("glorot_normal", ()), ("he_uniform", ()), ("he_normal", ()),
         ("lecun_uniform", ()), ("lecun_normal", ()), ("uniform", (0.5,)), ("normal", (0.5,)),
         ("truncated_normal", (0.5,))]
VS = [(m, d) for m in ("fan_in", "fan_out", "fan_avg", "fan_geo_avg")
      for d in ("truncated_normal", "normal", "uniform")]


@pytest.mark.parametrize("name, args", NAMED, ids=[n for n, _ in NAMED])
def test_named_factories_match_jax(name, args):
    for i, shape in enumerate(SHAPES):
        ours = getattr(wj, name)(*args)(jax.random.key(10 + i), shape)
        theirs = getattr(JI, name)(*args)(jax.random.key(20 + i), shape, jnp.float32)
        same_distribution(ours, theirs, f"{name} {shape}")


def test_truncated_normal_bounds_match_jax():
    ours = wj.truncated_normal(0.2, lower=-0.5, upper=3.0)(jax.random.key(1), (400, 300))
    theirs = JI.truncated_normal(0.2, lower=-0.5, upper=3.0)(jax.random.key(2), (400, 300))
    same_distribution(ours, theirs, "truncated_normal(-0.5, 3)")
    assert A(ours).min() > -0.5 * 0.2 and A(ours).max() < 3.0 * 0.2


@pytest.mark.parametrize("mode, distribution", VS, ids=[f"{m}-{d}" for m, d in VS])
def test_variance_scaling_modes_and_distributions_match_jax(mode, distribution):
    for i, shape in enumerate(SHAPES):
        ours = wj.variance_scaling(1.5, mode, distribution)(jax.random.key(30 + i), shape)
        theirs = JI.variance_scaling(1.5, mode, distribution)(jax.random.key(40 + i), shape,
                                                             jnp.float32)
        same_distribution(ours, theirs, f"{mode} {distribution} {shape}")


# (shape, in_axis, out_axis, batch_axis): dense both ways, conv in Flax's and torch's
# layouts, tuples of axes, batch axes. (Few distinct shapes: JAX compiles its sampler per
# shape, which dominates this file's time.)
AXES = [((400, 300), -2, -1, ()), ((400, 300), 1, 0, ()), ((3, 3, 48, 64), -2, -1, ()),
        ((3, 3, 48, 64), 2, 3, 0), ((3, 3, 48, 64), (0, 1), 3, ()),
        ((3, 3, 48, 64), 3, (0, 2), (1,)), ((3, 3, 48, 64), 0, 1, ()), ((64, 48, 3, 3), 1, 0, ())]
MODES = [("fan_in", "truncated_normal"), ("fan_out", "uniform"), ("fan_avg", "normal"),
         ("fan_geo_avg", "truncated_normal")]


@pytest.mark.parametrize("shape, in_axis, out_axis, batch_axis", AXES,
                         ids=[str(a) for a in range(len(AXES))])
def test_axis_options_same_fans_and_distribution_as_jax(shape, in_axis, out_axis, batch_axis):
    from jax._src.nn.initializers import _compute_fans
    kw = dict(in_axis=in_axis, out_axis=out_axis, batch_axis=batch_axis)
    theirs_fans = _compute_fans(shape, **kw)
    assert winit.compute_fans(shape, **kw) == theirs_fans  # exactly, as numbers
    k = AXES.index((shape, in_axis, out_axis, batch_axis))
    for j, (mode, dist) in enumerate((MODES[k % 4], MODES[(k + 1) % 4])):  # each mode 4 times
        ours = wj.variance_scaling(2.0, mode, dist, **kw)(jax.random.key(50 + j), shape)
        theirs = JI.variance_scaling(2.0, mode, dist, **kw)(jax.random.key(60 + j), shape,
                                                           jnp.float32)
        same_distribution(ours, theirs, f"{shape} {kw} {mode} {dist}")
        fan = {"fan_in": theirs_fans[0], "fan_out": theirs_fans[1],
               "fan_avg": sum(theirs_fans) / 2,
               "fan_geo_avg": math.sqrt(theirs_fans[0] * theirs_fans[1])}[mode]
        v = float(np.mean(A(ours).astype(np.float64) ** 2))
        n = math.prod(shape)
        assert abs(v - 2.0 / fan) < 6 * math.sqrt(2.0 / n) * 2.0 / fan  # the variance, 6 sigma


@pytest.mark.parametrize("name", ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
                                  "lecun_uniform", "lecun_normal"])
def test_named_factories_pass_their_axes_like_jax(name):
    """torch's dense layout (out, in) through in_axis/out_axis, and a batch axis."""
    for i, (shape, kw) in enumerate([((400, 300), dict(in_axis=1, out_axis=0)),
                                     ((3, 3, 48, 64), dict(in_axis=2, out_axis=3, batch_axis=0))]):
        ours = getattr(wj, name)(**kw)(jax.random.key(100 + i), shape)
        theirs = getattr(JI, name)(**kw)(jax.random.key(110 + i), shape, jnp.float32)
        same_distribution(ours, theirs, f"{name} {shape} {kw}")


@pytest.mark.parametrize("shape, column_axis", [((200, 150), -1), ((150, 200), -1),
                                                ((200, 150), 0), ((3, 3, 16, 32), 2)])
def test_orthogonal_matches_jax(shape, column_axis):
    ours = A(wj.orthogonal(1.5, column_axis)(jax.random.key(70), shape)).astype(np.float64)
    theirs = A(JI.orthogonal(1.5, column_axis)(jax.random.key(71), shape, jnp.float32))
    same_distribution(ours, theirs, f"orthogonal {shape} {column_axis}")
    m = np.moveaxis(ours, column_axis, -1).reshape(-1, shape[column_axis])
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(gram, 2.25 * np.eye(len(gram)), atol=2e-5)


@pytest.mark.parametrize("shape", [(3, 16, 32), (3, 3, 16, 32), (3, 3, 3, 8, 8)])
def test_delta_orthogonal_matches_jax(shape):
    ours = A(wj.delta_orthogonal(2.0)(jax.random.key(80), shape))
    theirs = A(JI.delta_orthogonal(2.0)(jax.random.key(81), shape, jnp.float32))
    axes = tuple(range(len(shape) - 2))
    taps = [np.argwhere(np.abs(w).sum(-1).sum(-1) != 0).tolist() for w in (ours, theirs)]
    assert taps[0] == taps[1] == [[(k - 1) // 2 for k in shape[:-2]]], axes
    c = ours[tuple((k - 1) // 2 for k in shape[:-2])].astype(np.float64)
    np.testing.assert_allclose(c @ c.T, 4.0 * np.eye(shape[-2]), atol=2e-5)
    same_distribution(c, theirs[tuple((k - 1) // 2 for k in shape[:-2])], f"centre tap {shape}")


@pytest.mark.parametrize("distribution", ["uniform", "normal"])
def test_complex_variance_scaling_matches_jax(distribution):
    shape = (400, 300)
    ours = A(wj.variance_scaling(2.0, "fan_in", distribution)(jax.random.key(90), shape,
                                                              jnp.complex64))
    theirs = A(JI.variance_scaling(2.0, "fan_in", distribution)(jax.random.key(91), shape,
                                                                jnp.complex64))
    same_distribution(np.abs(ours) ** 2, np.abs(theirs) ** 2, f"|w|^2 {distribution}")
    same_distribution(np.angle(ours), np.angle(theirs), f"angle {distribution}")


def test_complex_normal_matches_jax():
    ours = A(wj.normal(0.7)(jax.random.key(92), (400, 300), jnp.complex64))
    theirs = A(JI.normal(0.7)(jax.random.key(93), (400, 300), jnp.complex64))
    same_distribution(ours.real, theirs.real, "re")
    same_distribution(ours.imag, theirs.imag, "im")


def test_complex_truncated_normal_differs_by_its_documented_constant():
    """JAX divides by 0.95311164380491208 where the std of the complex normal truncated at
    |z| = 2 is 0.96196...: JAX's E|w|^2 is 1.87% above the variance, winit's is exact.
    Same shape of |w|^2 once rescaled (docs/jax.md)."""
    shape = (400, 300)
    ours = np.abs(A(wj.he_normal()(jax.random.key(94), shape, jnp.complex64))) ** 2
    theirs = np.abs(A(JI.he_normal()(jax.random.key(95), shape, jnp.complex64))) ** 2
    v = 2.0 / 400
    ctrunc2_std = math.sqrt(1.0 - 4.0 * math.exp(-4.0) / -math.expm1(-4.0))  # winit's
    factor = (ctrunc2_std / 0.95311164380491208) ** 2
    z = stats.norm.isf(ALPHA / 2)
    assert abs(ours.mean() - v) < z * ours.std() / math.sqrt(ours.size)
    assert abs(theirs.mean() - v * factor) < z * theirs.std() / math.sqrt(theirs.size)
    same_distribution(ours * factor, theirs, "shape of |w|^2")


# ---------------------------------------------------------------- Flax

def _recording(init, seen):
    def rec(key, shape, dtype=None):
        if not isinstance(key, jax.core.Tracer):
            seen.append((key, tuple(shape), dtype))
        return init(key, shape, dtype)
    return rec


def test_flax_linen_model_init_eager_and_jitted():
    nn = pytest.importorskip("flax.linen")
    seen = []

    class Net(nn.Module):
        @nn.compact
        def __call__(self, x):
            x = nn.Dense(64, kernel_init=_recording(wj.glorot_uniform(), seen),
                         bias_init=wj.zeros)(x)
            x = nn.Conv(16, (3, 3), kernel_init=wj.he_normal())(x.reshape(2, 4, 4, 4))
            x = nn.Dense(8, kernel_init=wj.orthogonal(), param_dtype=jnp.bfloat16)(x)
            return nn.Embed(100, 8, embedding_init=wj.normal(0.02))(x.astype(jnp.int32))
    x = jnp.ones((2, 32))
    eager = Net().init(KEY, x)
    jitted = jax.jit(Net().init)(KEY, x)
    flat_e, flat_j = jax.tree.leaves(eager), jax.tree.leaves(jitted)
    assert len(flat_e) == 7 and all(same_bits(a, b) for a, b in zip(flat_e, flat_j))
    p = eager["params"]
    assert p["Dense_1"]["kernel"].dtype == jnp.bfloat16 and p["Conv_0"]["kernel"].shape == (3, 3, 4, 16)
    key, shape, dtype = seen[0]  # the key Flax handed the first kernel: winit's values for it
    assert same_bits(p["Dense_0"]["kernel"],
                     winit.glorot_uniform(shape, dtype=dtype, rng=wj.generator(key)))


def test_flax_nnx_model_init_eager_and_jitted():
    nnx = pytest.importorskip("flax.nnx")
    seen = []

    class Net(nnx.Module):
        def __init__(self, rngs):
            self.l1 = nnx.Linear(32, 64, kernel_init=_recording(wj.glorot_uniform(), seen),
                                 rngs=rngs)
            self.conv = nnx.Conv(4, 8, (3, 3), kernel_init=wj.he_uniform(), rngs=rngs)
            self.l2 = nnx.Linear(64, 16, kernel_init=wj.orthogonal(), param_dtype=jnp.bfloat16,
                                 rngs=rngs)

    a, b = Net(nnx.Rngs(0)), Net(nnx.Rngs(0))
    c = nnx.jit(lambda: Net(nnx.Rngs(0)))()
    for m in (b, c):
        for la, lb in ((a.l1, m.l1), (a.conv, m.conv), (a.l2, m.l2)):
            assert same_bits(la.kernel[...], lb.kernel[...])
    assert a.l2.kernel[...].dtype == jnp.bfloat16
    key, shape, dtype = seen[0]
    assert same_bits(a.l1.kernel[...], winit.glorot_uniform(shape, dtype=dtype,
                                                             rng=wj.generator(key)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Net(nnx.Rngs(1)).l1.kernel[...].shape == (32, 64)


def test_jax_ndarray_outputs_are_not_views_of_reused_memory():
    """The eager path hands jax a fresh aligned host buffer per call (zero-copy): two calls
    never share memory."""
    a = wj.normal()(KEY, (256, 256))
    b = wj.normal()(jax.random.key(9), (256, 256))
    assert not same_bits(a, b)
    assert same_bits(a, wj.normal()(KEY, (256, 256)))
    assert A(a).ctypes.data % _fill.ALIGN == 0 or A(a).size == 0
