"""winit.keras inside Keras' own layers (issue 18), compared with Keras' own classes.

- The variance-scaling family in EinsumDense (several equations), MultiHeadAttention
  (query/key/value/output kernels), Dense and Conv2D: the kernel holds the bits of the
  functional call with the axes the layer names (so the fans are the layer's), and its
  std is that of Keras' own class (Keras' tolerance, atol 0.1) and of the analytic
  sqrt(scale / n) (3-6 %: the tolerance Keras uses would not tell the wrong fans from
  the right ones for every case).
- Constant with scalar, list, numpy array, backend tensor and Variable values: the values
  of Keras' Constant, configs as nested lists (save/load across processes and backends:
  tests/test_keras_saving.py's "attn" model).
- SeedGenerator seeds in traced code: a traced seed state (a StatelessScope under
  jax.jit), jax.jit itself, and a ModelParallel model on 8 host devices whose
  (4096, 2048) kernel Keras initializes inside jax.jit: the bits of the eager path.

Runs on $KERAS_BACKEND (jax by default); test_subprocess_torch reruns this file under
torch, test_subprocess_model_parallel runs the 8-device worker:
    XLA_FLAGS=--xla_force_host_platform_device_count=8 KERAS_BACKEND=jax \\
        python tests/test_keras_layers.py model_parallel
"""
from __future__ import annotations

import importlib.util
import inspect
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BIG = (4096, 2048)  # the issue's kernel: 32 MiB float32, x 8 devices >= Keras' 250 MiB


# ------------------------------------------------------------------ the 8-device worker

def model_parallel_worker() -> None:
    """A model with a (4096, 2048) kernel and a small one sharing one SeedGenerator,
    built eagerly and under ModelParallel (8 host devices, where Keras initializes the
    big kernel inside jax.jit): the same bits, the generator advanced the same way."""
    import jax
    import keras

    import winit
    import winit.keras as wk

    assert len(jax.devices()) == 8, jax.devices()
    traced: list[bool] = []
    call = wk.WinitInitializer.__call__

    def spy(self, shape, dtype=None):  # records whether each call runs inside a jax trace
        traced.append(isinstance(jax.numpy.ones(()), jax.core.Tracer))
        return call(self, shape, dtype)

    wk.WinitInitializer.__call__ = spy

    def build():
        init = wk.GlorotUniform(seed=keras.random.SeedGenerator(7))
        inp = keras.Input((BIG[0],))
        x = keras.layers.Dense(BIG[1], kernel_initializer=init, name="big")(inp)
        x = keras.layers.Dense(16, kernel_initializer=init, name="small")(x)
        model = keras.Model(inp, x)
        return model, init

    def kernels(model):
        return [np.asarray(model.get_layer(n).kernel.value) for n in ("big", "small")]

    eager, init_e = build()
    k_eager, traced_eager = kernels(eager), list(traced)
    mesh = keras.distribution.DeviceMesh((8,), ["model"], jax.devices())
    layout = keras.distribution.LayoutMap(mesh)
    layout["big/kernel"] = (None, "model")
    keras.distribution.set_distribution(keras.distribution.ModelParallel(layout_map=layout))
    traced.clear()
    mp, init_m = build()
    k_mp, traced_mp = kernels(mp), list(traced)
    big = mp.get_layer("big").kernel.value
    g = winit.Generator(7)  # call k = stream k of Generator(7)
    ref = [winit.glorot_uniform(BIG, rng=g), winit.glorot_uniform((BIG[1], 16), rng=g)]
    state = np.asarray(init_m.seed.state.value)  # concrete: no tracer leaked into it
    nxt = np.asarray(init_m((3, 3)))  # the generator still works: stream 2
    keras_jit = importlib.util.find_spec("keras.src.backend.jax.core") is not None and \
        hasattr(importlib.import_module("keras.src.backend.jax.core"), "should_shard_at_init")
    print(json.dumps({
        "keras": keras.__version__, "keras_jits_big_variables": keras_jit,
        "traced_eager": traced_eager, "traced_model_parallel": traced_mp,
        "sharding": [None if a is None else str(a) for a in big.sharding.spec],
        "eager_equals_model_parallel": [a.tobytes() == b.tobytes()
                                        for a, b in zip(k_eager, k_mp)],
        "equals_functional": [a.tobytes() == b.tobytes() for a, b in zip(k_mp, ref)],
        "state_after": state.tolist(),
        "next_call_equals_functional": nxt.tobytes() == winit.glorot_uniform(
            (3, 3), rng=g).tobytes(),
        "std": [float(k_mp[0].std()), math.sqrt(2.0 / sum(BIG))],
    }))


if __name__ == "__main__":
    {"model_parallel": model_parallel_worker}[sys.argv[1]]()
    sys.exit(0)


# ------------------------------------------------------------------ the tests

import pytest  # noqa: E402

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")

import winit  # noqa: E402
import winit.keras as wk  # noqa: E402

BACKEND = keras.backend.backend()
# Keras >= 3.15: EinsumDense passes the kernel's axes to VarianceScaling instances (its
# own and so winit's); before, every initializer got the bare shape.
KERAS_PASSES_AXES = "input_axes" in inspect.signature(keras.initializers.VarianceScaling).parameters
KERAS_TOL = 0.1  # the atol of Keras' own std tests (random_initializers_test.py)


def as_np(x):
    if isinstance(x, keras.Variable):
        x = x.value
    return keras.ops.convert_to_numpy(x)


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


# (winit class, its arguments, Keras' class, its arguments): the same distributions
INITS = {
    "glorot_uniform": ("GlorotUniform", {}, "GlorotUniform", {}),
    "glorot_normal": ("GlorotNormal", {"distribution": "truncated_normal"}, "GlorotNormal", {}),
    "he_uniform": ("HeUniform", {}, "HeUniform", {}),
    "he_normal": ("HeNormal", {"distribution": "truncated_normal"}, "HeNormal", {}),
    "lecun_uniform": ("LecunUniform", {}, "LecunUniform", {}),
    "lecun_normal": ("LecunNormal", {"distribution": "truncated_normal"}, "LecunNormal", {}),
    "vs_fan_out_uniform": ("VarianceScaling", {"scale": 2.0, "mode": "fan_out",
                                               "distribution": "uniform"},
                           "VarianceScaling", {"scale": 2.0, "mode": "fan_out",
                                               "distribution": "uniform"}),
    "vs_fan_avg_normal": ("VarianceScaling", {"scale": 0.5, "mode": "fan_avg",
                                              "distribution": "normal"},
                          "VarianceScaling", {"scale": 0.5, "mode": "fan_avg",
                                              "distribution": "untruncated_normal"}),
}

# (equation, input shape, output_shape, kernel shape, its input axes, its output axes).
# Three kernel shapes only: Keras' own random ops compile once per shape and
# distribution on jax (seconds each), winit's do not.
EQUATIONS = {
    "dense": ("ab,bc->ac", (None, 256), 128, (256, 128), [0], [1]),
    "sequence": ("abc,cd->abd", (None, 4, 256), (None, 128), (256, 128), [0], [1]),
    "mha_qkv": ("abc,cde->abde", (None, 4, 256), (None, 8, 16), (256, 8, 16), [0], [1, 2]),
    "mha_output": ("abcd,cde->abe", (None, 4, 8, 16), (None, 256), (8, 16, 256), [0, 1], [2]),
    "two_in_axes": ("abc,bcd->ad", (None, 8, 16), 256, (8, 16, 256), [0, 1], [2]),
    # b is in the input and the output: Keras counts it as an output axis
    "shared_axis": ("abc,bcd->abd", (None, 8, 16), (8, 256), (8, 16, 256), [1], [0, 2]),
}


def expected_std(init, shape, ins, outs):
    """sqrt(scale / n) with Keras' fans: its axes when the layer passes them, else
    Keras' (..., in, out) reading."""
    from keras.src.initializers.random_initializers import compute_fans
    fans = compute_fans(shape, ins, outs) if ins is not None else compute_fans(shape)
    n = {"fan_in": fans[0], "fan_out": fans[1], "fan_avg": (fans[0] + fans[1]) / 2}[init.mode]
    return math.sqrt(init.scale / n)


def functional(init, shape, seed, ins=None, outs=None):
    """The functional call a kernel must equal: the layer's axes (all of a kernel's axes
    are input or output axes, so no batch axes), or the default reading."""
    p = {k: v for k, v in init.get_config().items()
         if k not in ("seed", "input_axes", "output_axes")}
    if ins is not None:
        p.update(in_axis=tuple(ins), out_axis=tuple(outs), batch_axis=())
    return getattr(winit, init.scheme.name)(shape, **p, rng=seed)


def check_kernel(w_kernel, k_kernel, w_init, shape, seed, ins, outs, rtol=0.03):
    if not KERAS_PASSES_AXES:
        ins = outs = None
    assert same_bits(as_np(w_kernel), functional(w_init, shape, seed, ins, outs))
    w, k = as_np(w_kernel).std(), as_np(k_kernel).std()
    exp = expected_std(w_init, shape, ins, outs)
    assert abs(w - k) <= KERAS_TOL, (w, k)  # Keras' own tolerance
    assert w == pytest.approx(exp, rel=rtol) and k == pytest.approx(exp, rel=rtol), (w, k, exp)
    return w, k


# ------------------------------------------------------------------ item 1: the fans

@pytest.mark.parametrize("eq", list(EQUATIONS))
@pytest.mark.parametrize("kind", list(INITS))
def test_einsum_dense_fans_match_keras(eq, kind):
    equation, in_shape, out_shape, kshape, ins, outs = EQUATIONS[eq]
    wname, wargs, kname, kargs = INITS[kind]
    layers = []
    for init in (getattr(wk, wname)(**wargs, seed=11),
                 getattr(keras.initializers, kname)(**kargs, seed=11)):
        layer = keras.layers.EinsumDense(equation, output_shape=out_shape,
                                         kernel_initializer=init)
        layer.build(in_shape)
        assert tuple(layer.kernel.shape) == kshape
        layers.append(layer)
    w_layer, k_layer = layers
    assert type(w_layer.kernel_initializer) is getattr(wk, wname)  # the layer keeps ours
    check_kernel(w_layer.kernel, k_layer.kernel, w_layer.kernel_initializer, kshape, 11,
                 ins, outs)


def _mha(init, dim=256):
    """MultiHeadAttention(num_heads=8, key_dim=16) built on (None, 10, dim): query/key/
    value kernels (dim, 8, 16), output kernel (8, 16, dim). (Keras' own test: dim 32;
    256 here reuses the shapes above, and the std estimates are tighter.)"""
    mha = keras.layers.MultiHeadAttention(num_heads=8, key_dim=16, kernel_initializer=init)
    mha.build((None, 10, dim), (None, 10, dim))
    return {n: getattr(mha, f"_{n}_dense") for n in ("query", "key", "value", "output")}


MHA_AXES = {"query": ([0], [1, 2]), "key": ([0], [1, 2]), "value": ([0], [1, 2]),
            "output": ([0, 1], [2])}


@pytest.mark.parametrize("kind", ["lecun_normal", "glorot_uniform", "he_uniform",
                                  "vs_fan_out_uniform"])
def test_multi_head_attention_kernels_match_keras(kind):
    wname, wargs, kname, kargs = INITS[kind]
    w_dense = _mha(getattr(wk, wname)(**wargs, seed=5))
    k_dense = _mha(getattr(keras.initializers, kname)(**kargs, seed=5))
    for n, (ins, outs) in MHA_AXES.items():
        layer = w_dense[n]
        init = layer.kernel_initializer
        assert type(init) is getattr(wk, wname) and init.seed == 5  # MHA's clone: ours
        shape = tuple(layer.kernel.shape)
        assert shape == ((256, 8, 16) if n != "output" else (8, 16, 256))
        check_kernel(layer.kernel, k_dense[n].kernel, init, shape, 5, ins, outs)


@pytest.mark.parametrize("seed", ["seed_generator", "none"])
def test_multi_head_attention_other_seeds(seed):
    """MHA clones its initializer per sublayer (from_config(get_config())): a
    SeedGenerator's config makes a new generator from its seed in each clone (so each
    kernel is stream 0 of Generator(S) with its axes, as Keras' own reads [S, 0]);
    seed=None draws a seed per clone."""
    s = keras.random.SeedGenerator(9) if seed == "seed_generator" else None
    dense = _mha(wk.GlorotUniform(seed=s))
    stds = []
    for n, (ins, outs) in MHA_AXES.items():
        init, shape = dense[n].kernel_initializer, tuple(dense[n].kernel.shape)
        assert type(init) is wk.GlorotUniform
        kernel = as_np(dense[n].kernel)
        if seed == "seed_generator":
            ref = functional(init, shape, winit.Generator(9), *(
                (ins, outs) if KERAS_PASSES_AXES else (None, None)))
            assert same_bits(kernel, ref)
        stds.append(kernel.std())
        exp = expected_std(init, shape, *((ins, outs) if KERAS_PASSES_AXES else (None, None)))
        assert kernel.std() == pytest.approx(exp, rel=0.03)
    if seed == "none":  # each clone drew its own seed
        assert len({dense[n].kernel_initializer.seed for n in MHA_AXES}) == 4


def test_issue_cases_stds():
    """The issue's numbers: Keras' class vs winit's on MHA's (32, 8, 16) query kernel
    (LecunNormal: 0.1768 = sqrt(1/32)), EinsumDense GlorotUniform (0.1118) and HeUniform
    (0.25) on it, and MHA's (8, 16, 32) output kernel (GlorotUniform: 0.1118)."""
    if not KERAS_PASSES_AXES:
        pytest.skip("this Keras gives every initializer the bare kernel shape")
    for kind, where, exp in [("lecun_normal", "query", math.sqrt(1 / 32)),
                             ("glorot_uniform", "query", math.sqrt(2 / 160)),
                             ("he_uniform", "query", math.sqrt(2 / 32)),
                             ("glorot_uniform", "output", math.sqrt(2 / 160))]:
        wname, wargs, kname, kargs = INITS[kind]
        # (4096 values per kernel: the mean std of 2 seeds is within ~0.8 %)
        w = np.mean([as_np(_mha(getattr(wk, wname)(**wargs, seed=s), 32)[where].kernel).std()
                     for s in range(2)])
        k = np.mean([as_np(_mha(getattr(keras.initializers, kname)(**kargs, seed=s), 32)
                           [where].kernel).std() for s in range(2)])
        assert w == pytest.approx(exp, rel=0.04) and k == pytest.approx(exp, rel=0.04), \
            (kind, where, w, k, exp)


@pytest.mark.parametrize("kind", ["glorot_uniform", "he_normal"])
@pytest.mark.parametrize("layer", ["dense", "conv2d"])
def test_dense_and_conv2d_match_keras(kind, layer):
    wname, wargs, kname, kargs = INITS[kind]
    built = []
    for init in (getattr(wk, wname)(**wargs, seed=3),
                 getattr(keras.initializers, kname)(**kargs, seed=3)):
        if layer == "dense":
            ly = keras.layers.Dense(128, kernel_initializer=init)
            ly.build((None, 256))
        else:
            ly = keras.layers.Conv2D(64, 3, kernel_initializer=init)
            ly.build((None, 16, 16, 32))
        built.append(ly)
    shape = tuple(built[0].kernel.shape)
    assert shape == ((256, 128) if layer == "dense" else (3, 3, 32, 64))
    w = as_np(built[0].kernel)
    assert same_bits(w, functional(built[0].kernel_initializer, shape, 3))
    k = as_np(built[1].kernel)
    exp = expected_std(built[0].kernel_initializer, shape, None, None)
    assert abs(w.std() - k.std()) <= KERAS_TOL
    assert w.std() == pytest.approx(exp, rel=0.03) and k.std() == pytest.approx(exp, rel=0.03)


def test_variance_scaling_attributes_as_keras():
    """What Keras reads of a VarianceScaling instance, as its own classes give it."""
    for wname, kname in [("GlorotUniform", "GlorotUniform"), ("HeUniform", "HeUniform"),
                         ("HeNormal", "HeNormal"), ("LecunUniform", "LecunUniform"),
                         ("GlorotNormal", "GlorotNormal")]:
        w, k = getattr(wk, wname)(seed=1), getattr(keras.initializers, kname)(seed=1)
        assert isinstance(w, keras.initializers.VarianceScaling)
        assert isinstance(w, wk.WinitInitializer)
        assert w.scale == pytest.approx(k.scale) and w.mode == k.mode
        assert (w.input_axes, w.output_axes, w.seed) == (None, None, 1)
        # winit's names: "normal" is the untruncated normal (Keras' "untruncated_normal")
        assert w.distribution == {"truncated_normal": "normal"}.get(k.distribution,
                                                                    k.distribution)
    vs = wk.VarianceScaling(scale=2.0, mode="fan_out", distribution="uniform", seed=2)
    assert (vs.scale, vs.mode, vs.distribution) == (2.0, "fan_out", "uniform")
    for name in ("Orthogonal", "RandomNormal", "Constant", "SparseInit"):
        assert not issubclass(getattr(wk, name), keras.initializers.VarianceScaling)


def test_explicit_in_axis_is_kept_by_einsum_dense():
    """Explicit in_axis/out_axis/batch_axis (JAX semantics) are the user's: input_axes/
    output_axes read them back, so EinsumDense does not replace them."""
    init = wk.GlorotUniform(in_axis=0, out_axis=2, seed=4)
    assert (init.input_axes, init.output_axes) == ([0], [2])
    assert wk.GlorotUniform(batch_axis=0).output_axes == [-1]
    layer = keras.layers.EinsumDense("abc,cde->abde", output_shape=(None, 8, 16),
                                     kernel_initializer=init)
    layer.build((None, 4, 256))
    ref = winit.glorot_uniform((256, 8, 16), in_axis=0, out_axis=2, rng=4)  # axis 1: both fans
    assert same_bits(as_np(layer.kernel), ref)


def test_keras_input_axes_semantics():
    """input_axes/output_axes (Keras' names) have Keras' semantics: the other axes count
    in neither fan (winit's batch_axis), on any rank; kept by EinsumDense; saved."""
    init = wk.GlorotUniform(input_axes=[0], output_axes=[2], seed=4)
    shape = (256, 8, 16)
    ref = winit.glorot_uniform(shape, in_axis=0, out_axis=2, batch_axis=1, rng=4)
    assert same_bits(as_np(init(shape)), ref)
    layer = keras.layers.EinsumDense("abc,cde->abde", output_shape=(None, 8, 16),
                                     kernel_initializer=init)
    layer.build((None, 4, 256))
    assert same_bits(as_np(layer.kernel), ref)
    if KERAS_PASSES_AXES:  # (Keras' classes take input_axes since 3.15)
        k = keras.initializers.GlorotUniform(input_axes=[0], output_axes=[2], seed=4)
        assert as_np(k(shape)).std() == pytest.approx(as_np(init(shape)).std(), rel=0.03)
    # negative axes and another rank (one winit initializer per rank)
    neg = wk.HeNormal(input_axes=[-2], output_axes=[-1], seed=1)
    assert same_bits(as_np(neg((5, 6, 7))),
                     winit.he_normal((5, 6, 7), in_axis=-2, out_axis=-1, batch_axis=0, rng=1))
    assert same_bits(as_np(neg((6, 7))), winit.he_normal((6, 7), rng=1))
    cfg = json.loads(json.dumps(keras.saving.serialize_keras_object(init)))
    back = keras.saving.deserialize_keras_object(cfg)
    assert back == init and same_bits(as_np(back(shape)), ref)


@pytest.mark.parametrize("kwargs,match", [
    ({"input_axes": [0]}, "go together"),
    ({"output_axes": [1]}, "go together"),
    ({"input_axes": [0], "output_axes": [1], "in_axis": 0}, "not both"),
    ({"input_axes": [0], "output_axes": [1], "batch_axis": 2}, "not both"),
    ({"input_axes": "0", "output_axes": [1]}, "list of ints"),
    ({"input_axes": [0.5], "output_axes": [1]}, "list of ints"),
])
def test_keras_axes_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        wk.GlorotUniform(**kwargs)
    with pytest.raises(ValueError, match=match):  # and the config path names the class
        wk.GlorotUniform.from_config({**kwargs, "seed": 1})


# ------------------------------------------------------------------ item 2: Constant

def _backend_tensor(x):
    return keras.ops.convert_to_tensor(np.asarray(x, dtype="float32"))


CONSTANT_VALUES = {
    "scalar": (lambda: 6.0, (3, 3)),
    "list": (lambda: [1.0, 2.0, 3.0], (2, 3)),
    "numpy_same_shape": (lambda: np.random.RandomState(0).random_sample((3, 3)), (3, 3)),
    "numpy_trailing": (lambda: np.linspace(-1, 1, 4), (2, 3, 4)),
    "tensor": (lambda: _backend_tensor(np.arange(6.0).reshape(2, 3) / 7), (4, 2, 3)),
    "variable": (lambda: keras.Variable(np.arange(3.0) - 0.5), (5, 3)),
}


@pytest.mark.parametrize("kind", list(CONSTANT_VALUES))
def test_constant_array_values_as_keras(kind):
    make, shape = CONSTANT_VALUES[kind]
    w = wk.Constant(value=make())(shape)
    k = keras.initializers.Constant(value=make())(shape)
    assert tuple(w.shape) == shape and keras.backend.standardize_dtype(w.dtype) == "float32"
    assert same_bits(as_np(w), as_np(k))
    init = wk.Constant(value=make())
    cfg = json.loads(json.dumps(init.get_config()))  # arrays as nested lists
    if kind != "scalar":
        assert isinstance(cfg["value"], list)
    back = wk.Constant.from_config(cfg)
    assert back == init and same_bits(as_np(back(shape)), as_np(w))
    if kind == "variable":  # (Keras' own Constant cannot serialize a Variable)
        return
    # Keras' own Constant config (arrays as {"class_name": "__numpy__" | "__tensor__"})
    kcfg = json.loads(json.dumps(keras.initializers.Constant(value=make()).get_config()))
    assert same_bits(as_np(wk.Constant.from_config(kcfg)(shape)), as_np(k))


def test_constant_array_dtypes_and_layers():
    init = wk.Constant(value=[1, 2, 3])
    for dt in ("float16", "bfloat16", "int32"):
        x = init((2, 3), dtype=dt)
        assert keras.backend.standardize_dtype(x.dtype) == dt
        assert as_np(x).astype(np.float64).tolist() == [[1, 2, 3], [1, 2, 3]]
    kernel = np.arange(12.0).reshape(4, 3) / 10
    layer = keras.layers.Dense(3, kernel_initializer=wk.Constant(kernel),
                               bias_initializer=wk.Constant([0.5, -0.5, 2.0]))
    layer.build((None, 4))
    assert same_bits(as_np(layer.kernel), kernel.astype("float32"))
    assert as_np(layer.bias).tolist() == [0.5, -0.5, 2.0]
    with pytest.raises(ValueError):  # not broadcastable: winit's error
        wk.Constant(value=np.ones(3))((2, 4))


def test_constant_complex_array_config():
    init = wk.Constant(value=np.array([1 + 2j, 3 - 1j]))
    cfg = json.loads(json.dumps(init.get_config()))
    assert cfg["value"] == {"real": [1.0, 3.0], "imag": [2.0, -1.0]}
    assert wk.Constant.from_config(cfg) == init


# ------------------------------------------------------------------ item 3: traced seeds

def _jax_only():
    if BACKEND != "jax":
        pytest.skip("jax traces (the other backends initialize eagerly)")


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_traced_seed_state_uses_a_host_callback(dtype):
    """A SeedGenerator whose state is itself traced (a StatelessScope under jax.jit,
    as in a stateless training step): the values of the eager call with that state."""
    _jax_only()
    import jax
    sg = keras.random.SeedGenerator(5)
    init = wk.HeUniform(seed=sg)

    @jax.jit
    def f(state):
        with keras.StatelessScope(state_mapping=[(sg.state, state)]) as scope:
            x = init((64, 32), dtype)
        return x, scope.get_current_value(sg.state)

    x, st = f(jax.numpy.array([5, 3], "uint32"))
    assert np.asarray(st).tolist() == [5, 4]
    assert np.asarray(sg.state.value).tolist() == [5, 0]  # not advanced: stateless
    ref = winit.he_uniform((64, 32), dtype=dtype, rng=winit.Generator(5).at_stream(3))
    assert same_bits(as_np(x), ref)
    with pytest.raises(TypeError, match="dtype"):  # errors at trace time, not in a callback
        jax.jit(lambda s: _stateless_call(sg, s, init, (4, 4), "int32"))(
            jax.numpy.array([5, 3], "uint32"))


def _stateless_call(sg, state, init, shape, dtype):
    with keras.StatelessScope(state_mapping=[(sg.state, state)]):
        return init(shape, dtype)


def test_seed_generator_under_jit():
    """Inside jax.jit with a concrete SeedGenerator (Keras' ModelParallel path): the
    state is read and advanced outside the trace, as eagerly; nothing leaks."""
    _jax_only()
    import jax
    sg = keras.random.SeedGenerator(8)
    init = wk.GlorotNormal(seed=sg)
    first = as_np(init((16, 8)))  # eager: stream 0
    traced = jax.jit(lambda: init((16, 8)))()  # traced: stream 1
    third = as_np(init((16, 8)))  # eager again: stream 2 (the state holds no tracer)
    g = winit.Generator(8)
    for got in (first, traced, third):
        assert same_bits(as_np(got), winit.glorot_normal((16, 8), rng=g))


def test_subprocess_model_parallel():
    """ModelParallel on 8 host devices (jax): Keras initializes the (4096, 2048) kernel
    inside jax.jit; SeedGenerator seeds give the bits of the eager model."""
    if importlib.util.find_spec("jax") is None:
        pytest.skip("jax is not installed")
    env = dict(os.environ, KERAS_BACKEND="jax", PYTHONWARNINGS="ignore",
               XLA_FLAGS="--xla_force_host_platform_device_count=8")
    r = subprocess.run([sys.executable, __file__, "model_parallel"], env=env, cwd=ROOT,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-5000:]
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["traced_eager"] == [False, False]
    if res["keras_jits_big_variables"]:  # Keras >= 3.13: the big kernel inside jax.jit
        assert res["traced_model_parallel"] == [True, False], res
    assert res["sharding"] == [None, "model"]
    assert res["eager_equals_model_parallel"] == [True, True]
    assert res["equals_functional"] == [True, True]
    assert res["state_after"] == [7, 2] and res["next_call_equals_functional"]
    assert res["std"][0] == pytest.approx(res["std"][1], rel=0.01)


# ------------------------------------------------------------------ the torch backend

def test_subprocess_torch():
    """Everything above that runs in one process, under the torch backend."""
    if BACKEND != "jax":
        pytest.skip("run from the jax process")
    if importlib.util.find_spec("torch") is None:
        pytest.fail("torch is not installed: pip install -e '.[test]' installs torch==2.13.0")
    env = dict(os.environ, KERAS_BACKEND="torch", PYTHONWARNINGS="ignore")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "-k", "not subprocess", __file__], env=env, cwd=ROOT,
                       capture_output=True, text=True, timeout=600)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-6000:]
    import re
    m = re.search(r"(\d+) passed", out)
    assert m and int(m.group(1)) >= 70, out[-2000:]  # it ran them (jax-only ones skip)
