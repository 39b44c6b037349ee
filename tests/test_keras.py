"""winit.keras in one process (the backend of $KERAS_BACKEND, jax by default): for
every class its registration, config round trip, clone, seeds, dtypes and shapes;
layers, dtype policies, clone_model/from_config, tampered configs.
Save/load in fresh processes and across backends: tests/test_keras_saving.py."""
from __future__ import annotations

import inspect
import io
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")

import winit  # noqa: E402
import winit.keras as wk  # noqa: E402
from winit.keras._initializers import FACADE_DEFAULTS  # noqa: E402

NAMES = ["Zeros", "Ones", "Constant", "RandomUniform", "RandomNormal", "TruncatedNormal",
         "GlorotUniform", "GlorotNormal", "KaimingUniform", "KaimingNormal", "LecunUniform",
         "LecunNormal", "VarianceScaling", "Orthogonal", "DeltaOrthogonal", "Dirac", "SparseInit",
         "IdentityInit"]
ALIASES = {"HeUniform": "KaimingUniform", "HeNormal": "KaimingNormal",
           "XavierUniform": "GlorotUniform", "XavierNormal": "GlorotNormal"}
ALL = NAMES + list(ALIASES)
CONV = {"Dirac", "DeltaOrthogonal"}  # need a convolution kernel

# A valid non-default value for every parameter name in the registry (the test below
# fails if a scheme gains a parameter that is missing here, so none is left out of the
# round trips). "distribution" takes the first option that is not the default.
NONDEFAULT = {"value": 0.5, "low": -0.5, "high": 0.25, "mean": 0.1, "std": 0.5, "lo": -1.0,
              "hi": 1.5, "bounds": "std", "scale": 2.0, "mode": "fan_out", "gain": 2.0,
              "groups": 2, "shift": 1, "sparsity": 0.25}
AXES_NONDEFAULT = {"in_axis": [0], "out_axis": 1, "batch_axis": [2]}


def cls_of(name):
    return getattr(wk, name)


def shape_of(name):
    return (3, 3, 8, 16) if name in CONV else (16, 24)


def nondefault(name):
    spec = cls_of(name).scheme
    out = {}
    for p in spec.params:
        if p.name == "distribution":
            out[p.name] = next(o for o in p.check.options if o != p.default)
        else:
            out[p.name] = NONDEFAULT[p.name]
    return out


def functional(name, shape, params, dtype="float32", rng=None):
    return getattr(winit, cls_of(name).scheme.name)(shape, **params, dtype=dtype, rng=rng)


def as_np(x):
    if isinstance(x, keras.Variable):
        x = x.value  # (Variable.__array__ warns under numpy 2)
    return keras.ops.convert_to_numpy(x)


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


# ------------------------------------------------------------------ the import rule

def test_import_winit_does_not_import_keras():
    code = "import sys, winit; print('keras' in sys.modules, 'winit.keras' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.split() == ["False", "False"]


# ------------------------------------------------------------------ classes = registry

def test_one_class_per_scheme():
    assert {cls_of(n).scheme.name for n in NAMES} == set(winit.SCHEMES)
    assert sorted(n for n in wk.__all__ if isinstance(getattr(wk, n), type)
                  and issubclass(getattr(wk, n), wk.WinitInitializer)
                  and getattr(wk, n) is not wk.WinitInitializer) == sorted(ALL)
    for alias, base in ALIASES.items():
        assert issubclass(cls_of(alias), cls_of(base)) and cls_of(alias) is not cls_of(base)


@pytest.mark.parametrize("name", ALL)
def test_signature_is_the_registry(name):
    cls = cls_of(name)
    spec = cls.scheme
    sig = inspect.signature(cls)
    expect = [p.name for p in spec.params] + ["seed"] + [o.name for o in spec.options]
    expect += ["in_axis", "out_axis", "batch_axis"] if spec.axes else []
    expect += ["input_axes", "output_axes"] if spec.fans else []  # Keras' VarianceScaling's
    assert list(sig.parameters) == expect
    assert issubclass(cls, keras.initializers.VarianceScaling) == spec.fans
    for p in spec.params:
        default = FACADE_DEFAULTS.get(spec.name, {}).get(p.name, p.default)
        assert sig.parameters[p.name].default == default
    assert sig.parameters["seed"].default is None
    for k in NONDEFAULT:
        assert k in cls.__doc__ or k not in sig.parameters
    assert "Args:" in cls.__doc__ and f"winit.{spec.name}" in cls.__doc__


def test_nondefault_table_covers_every_parameter():
    names = {p.name for s in winit.SCHEMES.values() for p in s.params} - {"distribution"}
    assert names <= set(NONDEFAULT)


@pytest.mark.parametrize("name", ALL)
def test_registered(name):
    cls = cls_of(name)
    assert keras.saving.get_registered_name(cls) == f"winit>{name}"
    assert keras.saving.get_registered_object(f"winit>{name}") is cls
    obj = keras.initializers.get(f"winit>{name}")  # a bare string: built with no arguments
    assert type(obj) is cls


def test_string_identifier_in_a_layer():
    layer = keras.layers.Dense(4, kernel_initializer="winit>GlorotUniform",
                               bias_initializer="winit>Ones")
    layer.build((None, 3))
    assert type(layer.kernel_initializer) is wk.GlorotUniform
    cfg = layer.get_config()["kernel_initializer"]
    assert cfg["registered_name"] == "winit>GlorotUniform" and cfg["module"] == "winit.keras"


# ------------------------------------------------------------------ configs

@pytest.mark.parametrize("name", ALL)
def test_config_json_round_trip_every_argument(name):
    cls = cls_of(name)
    params = nondefault(name)
    init = cls(**params, seed=7)
    cfg = init.get_config()
    # (options such as small_rank are in a config only when set: configs as before them)
    assert set(cfg) == set(inspect.signature(cls).parameters) - set(cls.scheme.option_names)
    text = json.dumps(cfg)  # JSON types only
    back = json.loads(text)
    assert back == cfg
    init2 = cls.from_config(back)
    assert type(init2) is cls and init2.get_config() == cfg and init2 == init
    for k, v in params.items():  # nothing reset to its default
        assert getattr(init2, k) == pytest.approx(v)
    shape = shape_of(name)
    assert same_bits(as_np(init(shape)), as_np(init2(shape)))
    if cls.scheme.axes:  # the axis arguments too (checked at call time, not here)
        a = cls(**params, seed=7, **AXES_NONDEFAULT)
        cfg = json.loads(json.dumps(a.get_config()))
        assert {k: cfg[k] for k in AXES_NONDEFAULT} == AXES_NONDEFAULT
        assert cls.from_config(cfg).get_config() == cfg
    if cls.scheme.fans:  # Keras' axis arguments (the variance-scaling family)
        a = cls(**params, seed=7, input_axes=[0], output_axes=[1, 2])
        cfg = json.loads(json.dumps(a.get_config()))
        assert (cfg["input_axes"], cfg["output_axes"]) == ([0], [1, 2])
        back = cls.from_config(cfg)
        assert back.get_config() == cfg and back == a and back != init
        assert same_bits(as_np(back((4, 3, 5))), as_np(a((4, 3, 5))))


@pytest.mark.parametrize("name", ALL)
def test_clone(name):
    init = cls_of(name)(**nondefault(name), seed=3)
    c = init.clone()
    assert type(c) is type(init) and c is not init and c.get_config() == init.get_config()
    assert c == init and hash(c) == hash(init)
    assert c != cls_of(name)(**nondefault(name), seed=4)
    if cls_of(name).scheme.params:
        assert c != cls_of(name)(seed=3) or nondefault(name) == {}
    assert same_bits(as_np(c(shape_of(name))), as_np(init(shape_of(name))))


@pytest.mark.parametrize("name", ALL)
def test_serialize_deserialize_keras_object(name):
    init = cls_of(name)(**nondefault(name), seed=keras.random.SeedGenerator(11))
    s = keras.saving.serialize_keras_object(init)
    assert s["registered_name"] == f"winit>{name}" and s["class_name"] == name
    s = json.loads(json.dumps(s))
    back = keras.saving.deserialize_keras_object(s)
    assert type(back) is type(init) and back.get_config() == init.get_config()
    back2 = keras.initializers.deserialize(keras.initializers.serialize(init))
    assert back2.get_config() == init.get_config()


def test_complex_constant_config():
    init = wk.Constant(value=1 + 2j)
    cfg = json.loads(json.dumps(init.get_config()))
    assert cfg["value"] == {"real": 1.0, "imag": 2.0}
    assert wk.Constant.from_config(cfg).value == 1 + 2j


def test_attributes_and_repr():
    init = wk.SparseInit(sparsity=0.3, seed=5)
    assert (init.sparsity, init.std, init.seed) == (0.3, 0.01, 5)
    assert repr(init) == "winit.keras.SparseInit(sparsity=0.3, seed=5)"
    assert wk.GlorotNormal(distribution="untruncated_normal").distribution == "normal"
    with pytest.raises(AttributeError):
        init.nope


# ------------------------------------------------------------------ seeds

@pytest.mark.parametrize("name", ALL)
def test_seed_int_is_the_functional_call(name):
    params = nondefault(name)
    init = cls_of(name)(**params, seed=12345)
    shape = shape_of(name)
    a, b = as_np(init(shape)), as_np(init(shape))
    ref = functional(name, shape, params, rng=12345)
    assert same_bits(a, ref) and same_bits(b, ref)  # every call: stream 0 of Generator(S)


@pytest.mark.parametrize("name", ALL)
def test_seed_none(name):
    cls, shape = cls_of(name), shape_of(name)
    init = cls()
    assert init.get_config()["seed"] is None
    if not cls.scheme.random:
        assert init.seed is None
        return
    assert isinstance(init.seed, int)  # drawn at construction
    assert same_bits(as_np(init(shape)), as_np(init(shape)))  # repeat calls equal
    assert not same_bits(as_np(cls()(shape)), as_np(init(shape)))
    keras.utils.set_random_seed(42)  # seeds Python's random: reproducible
    a = as_np(cls()(shape))
    keras.utils.set_random_seed(42)
    assert same_bits(as_np(cls()(shape)), a)
    again = cls.from_config(init.get_config())
    assert again.get_config()["seed"] is None
    assert again != init  # it drew its own seed (as Keras)


@pytest.mark.parametrize("name", ALL)
def test_seed_generator(name):
    cls, shape = cls_of(name), shape_of(name)
    params = nondefault(name)
    init = cls(**params, seed=keras.random.SeedGenerator(77))
    calls = [as_np(init(shape)) for _ in range(3)]
    g = winit.Generator(77)  # call k = stream k of Generator(seed)
    for c in calls:
        assert same_bits(c, functional(name, shape, params, rng=g))
    if cls.scheme.random:
        assert not same_bits(calls[0], calls[1])
    cfg = json.loads(json.dumps(init.get_config()))
    assert cfg["seed"]["class_name"] == "SeedGenerator" and cfg["seed"]["config"]["seed"] == 77
    back = cls.from_config(cfg)  # a new SeedGenerator from its initial seed (as Keras)
    assert isinstance(back.seed, keras.random.SeedGenerator) and back == init
    assert same_bits(as_np(back(shape)), calls[0])
    assert same_bits(as_np(back.clone()(shape)), calls[0])


def test_int_seed_equals_seed_generator_first_call():
    a = wk.RandomNormal(seed=5)((6,))
    b = wk.RandomNormal(seed=keras.random.SeedGenerator(5))((6,))
    assert same_bits(as_np(a), as_np(b))


@pytest.mark.parametrize("seed", ["1", 1.5, np.int64(1), True, -1, [1, 2]])
def test_seed_rejected(seed):
    with pytest.raises(ValueError, match=r"`seed` argument should be an instance of "
                                         r"`keras.random.SeedGenerator\(\)`"):
        wk.GlorotUniform(seed=seed)


def test_invalid_parameter_names_the_argument():
    with pytest.raises(ValueError, match=r"Argument `sparsity` must be in \[0, 1\]. "
                                         r"Received: sparsity=2"):
        wk.SparseInit(sparsity=2)
    with pytest.raises(ValueError, match="Argument `mode`"):
        wk.VarianceScaling(mode="fan_middle")
    with pytest.raises(TypeError, match="GlorotUniform"):
        wk.GlorotUniform(stddev=1.0)


# ------------------------------------------------------------------ dtypes and shapes

@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize("name", ALL)
def test_dtype_and_shape(name, dtype):
    params = nondefault(name)
    init = cls_of(name)(**params, seed=9)
    shape = shape_of(name)
    x = init(shape, dtype=dtype)
    assert tuple(x.shape) == shape
    assert keras.backend.standardize_dtype(x.dtype) == dtype
    assert same_bits(as_np(x), functional(name, shape, params, dtype=dtype, rng=9))


@pytest.mark.parametrize("shape", [(), (5,), (0, 3), [4, 6], (np.int64(2), 3), (2, 3, 4, 5)])
def test_exact_shapes(shape):
    x = wk.RandomUniform(seed=1)(shape)
    assert tuple(x.shape) == tuple(int(d) for d in shape)
    assert keras.backend.standardize_dtype(x.dtype) == "float32"


def test_dtype_none_is_floatx():
    old = keras.config.floatx()
    try:
        keras.config.set_floatx("float16")
        x = wk.GlorotUniform(seed=1)((4, 4))
        assert keras.backend.standardize_dtype(x.dtype) == "float16"
    finally:
        keras.config.set_floatx(old)


@pytest.mark.parametrize("name", [n for n in NAMES if cls_of(n).scheme.random])
def test_unsupported_dtype_is_a_type_error(name):
    init = cls_of(name)(**nondefault(name), seed=1)
    with pytest.raises((TypeError, ValueError)) as e:
        init(shape_of(name), dtype="int32")
    assert not isinstance(e.value, NotImplementedError)


def test_deterministic_schemes_take_int_dtypes():
    x = wk.Constant(value=3)((2, 2), dtype="int32")
    assert keras.backend.standardize_dtype(x.dtype) == "int32" and (as_np(x) == 3).all()


def test_int_layer_dtype_fails_loudly_in_build():
    with pytest.raises(TypeError, match="dtype"):  # not swallowed like NotImplementedError
        keras.Sequential([keras.Input((4,)),
                          keras.layers.Dense(3, kernel_initializer=wk.GlorotUniform(seed=1),
                                             dtype="int32")])


@pytest.mark.parametrize("policy,var_dtype", [("float32", "float32"), ("float16", "float16"),
                                              ("bfloat16", "bfloat16"),
                                              ("mixed_float16", "float32"),
                                              ("mixed_bfloat16", "float32")])
def test_dtype_policies(policy, var_dtype):
    layer = keras.layers.Dense(8, kernel_initializer=wk.KaimingNormal(seed=4),
                               bias_initializer=wk.Constant(0.25), dtype=policy)
    layer.build((None, 5))
    k = layer.kernel
    assert keras.backend.standardize_dtype(k.dtype) == var_dtype
    assert same_bits(as_np(k), winit.kaiming_normal((5, 8), dtype=var_dtype, rng=4))
    assert (as_np(layer.bias) == 0.25).all()


# ------------------------------------------------------------------ models in-process

def small_models():
    seq = keras.Sequential([
        keras.Input((6,)),
        keras.layers.Dense(8, kernel_initializer=wk.SparseInit(sparsity=0.5, std=0.3, seed=1),
                           bias_initializer=wk.Constant(0.1)),
        keras.layers.Dense(8, kernel_initializer=wk.Orthogonal(gain=2.0, seed=2)),
        keras.layers.Dense(4, kernel_initializer=wk.HeNormal(seed=3),
                           bias_initializer=wk.RandomUniform(low=-0.1, high=0.1, seed=4)),
    ], name="seq")
    inp = keras.Input((5, 5, 2))
    x = keras.layers.Conv2D(4, 3, kernel_initializer=wk.DeltaOrthogonal(seed=5))(inp)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(3, kernel_initializer=wk.TruncatedNormal(std=0.1, seed=6))(x)
    func = keras.Model(inp, x, name="func")
    return seq, func


def weights(model):
    return [as_np(w) for w in model.weights]


def init_configs(model):
    """The serialized initializers of every layer, in order."""
    return [{k: v for k, v in keras.saving.serialize_keras_object(layer)["config"].items()
             if k.endswith("_initializer")} for layer in model.layers]


def jsonable(cfg):
    return json.loads(json.dumps(cfg))  # tuples -> lists, as after a save


def test_clone_model_and_from_config():
    for model in small_models():
        w0 = weights(model)
        clone = keras.models.clone_model(model)  # re-initialised from cloned initializers
        assert init_configs(clone) == init_configs(model)
        assert all(same_bits(a, b) for a, b in zip(weights(clone), w0))
        cfg = json.loads(json.dumps(model.get_config()))
        rebuilt = type(model).from_config(jsonable(cfg))  # (from_config consumes its dict)
        assert jsonable(rebuilt.get_config()) == cfg
        assert all(same_bits(a, b) for a, b in zip(weights(rebuilt), w0))
        back = keras.models.model_from_json(model.to_json())
        assert all(same_bits(a, b) for a, b in zip(weights(back), w0))


def tamper(cfg, key, value):
    """Set ``key`` of the first winit SparseInit config found in a model config."""
    if isinstance(cfg, dict):
        if cfg.get("registered_name") == "winit>SparseInit":
            cfg["config"][key] = value
            return True
        return any(tamper(v, key, value) for v in cfg.values())
    if isinstance(cfg, list):
        return any(tamper(v, key, value) for v in cfg)
    return False


@pytest.mark.parametrize("key,value,match", [
    ("sparsity", 2, r"SparseInit cannot be built from this config: Argument `sparsity` must "
                    r"be in \[0, 1\]. Received: sparsity=2"),
    ("sparsty", 0.3, r"SparseInit cannot be built from this config: .*unexpected keyword "
                     r"argument 'sparsty'"),
    ("std", "big", r"SparseInit cannot be built from this config: Argument `std` must be a "
                   r"real number"),
    ("seed", 1.5, r"SparseInit cannot be built from this config: `seed` argument should be"),
])
def test_tampered_config_is_our_clear_error(key, value, match, tmp_path):
    seq, _ = small_models()
    cfg = json.loads(seq.to_json())
    assert tamper(cfg, key, value)
    with pytest.raises((TypeError, ValueError)) as e:  # Keras wraps it per nesting level
        keras.models.model_from_json(json.dumps(cfg))
    assert_ours(e.value, match)
    # the same inside a .keras file
    path = tmp_path / "m.keras"
    seq.save(path)
    bad = tmp_path / "bad.keras"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "config.json":
                c = json.loads(data)
                assert tamper(c, key, value)
                data = json.dumps(c).encode()
            zout.writestr(item, data)
    with pytest.raises((TypeError, ValueError)) as e:
        keras.models.load_model(bad)
    assert_ours(e.value, match)
    # the initializer alone: our ValueError as is
    with pytest.raises(ValueError, match=match):
        keras.initializers.get(tampered_init(key, value))


def tampered_init(key, value):
    s = keras.saving.serialize_keras_object(wk.SparseInit(sparsity=0.5, std=0.3, seed=1))
    s["config"][key] = value
    return s


def assert_ours(err, match):
    """The error Keras raises ends with our message, and our ValueError is the cause."""
    import re
    assert re.search("Exception encountered: winit.keras." + match, str(err)), str(err)[-600:]
    chain = []
    while err is not None:
        chain.append(err)
        err = err.__cause__ or err.__context__
    assert any(type(x) is ValueError and re.match("winit.keras." + match, str(x)) for x in chain)


def test_save_load_in_process(tmp_path):
    for model in small_models():
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        back = keras.models.load_model(path)
        assert jsonable(back.get_config()) == jsonable(model.get_config())
        assert all(same_bits(a, b) for a, b in zip(weights(back), weights(model)))
        with zipfile.ZipFile(path) as z:
            text = z.read("config.json").decode()
        assert '"registered_name": "winit>' in text and '"module": "winit.keras"' in text


def test_to_tensor_bfloat16_bits():
    a = winit.normal((33, 7), dtype="bfloat16", rng=1)
    x = wk.to_tensor(a, "bfloat16")
    assert same_bits(as_np(x), a)
    buf = io.BytesIO()
    np.save(buf, as_np(x))


# ------------------------------------------------------------------ docs/keras.md's table

def doc_table():
    """(keras expression, winit expression) of every row of the mapping table."""
    import re
    from pathlib import Path
    text = (Path(__file__).resolve().parents[1] / "docs" / "keras.md").read_text()
    table = text.split("## Keras' built-in initializers and their winit equivalents")[1]
    rows = []
    for line in table.splitlines():
        m = re.match(r"\| `([^`]+)` \| (`([^`]+)`|—) \|", line)
        if m:
            rows.append((m.group(1), m.group(3)))
    return rows


def test_doc_table_names_every_keras_builtin():
    rows = doc_table()
    documented = {k.split("(")[0] for k, _ in rows}
    builtin = {n for n in dir(keras.initializers) if n[0].isupper()
               and isinstance(getattr(keras.initializers, n), type)
               and issubclass(getattr(keras.initializers, n), keras.initializers.Initializer)
               and n not in ("Initializer",)}
    # IdentityInitializer / OrthogonalInitializer / STFTInitializer are Keras aliases
    builtin -= {"IdentityInitializer", "OrthogonalInitializer", "STFTInitializer"}
    assert builtin <= documented, builtin - documented


@pytest.mark.parametrize("keras_expr,winit_expr", [r for r in doc_table() if r[1]],
                         ids=[r[0].split("(")[0] + "-" + r[1] for r in doc_table() if r[1]])
def test_doc_table_row(keras_expr, winit_expr):
    from scipy import stats
    keras.utils.set_random_seed(0)
    k_init = eval("keras.initializers." + keras_expr)
    w_init = eval("wk." + winit_expr)
    shape = (64, 64) if keras_expr.startswith("Identity") else (32, 16, 64)
    k = as_np(k_init(shape)).astype(np.float64).ravel()
    w = as_np(w_init(shape)).astype(np.float64).ravel()
    if not w_init.scheme.random:
        assert np.array_equal(k, w)
        return
    assert stats.ks_2samp(k, w).pvalue > 1e-3, (k.std(), w.std())
    if "uniform" in winit_expr.lower() or "Truncated" in winit_expr or \
            "truncated" in winit_expr:  # same support
        assert np.abs(w).max() <= np.abs(k).max() * 1.01 + 1e-7


def test_bench_keras_child(capsys):
    """python -m winit bench --keras: the per-backend child runs and reports every case."""
    from winit._bench import _keras_child
    _keras_child(64)
    res = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert res["backend"] == keras.backend.backend()
    assert [r["case"] for r in res["rows"]] == ["GlorotUniform", "HeNormal", "HeNormal truncated",
                                                "Orthogonal"]
    assert all(r["winit_ms"] > 0 and r["keras_ms"] > 0 for r in res["rows"])


def test_demo(capsys, tmp_path):
    """python -m winit demo's steps (in this process, few epochs): init table ok and
    bit-identical to the functional calls, accuracy, save, fresh-process reload."""
    pytest.importorskip("sklearn")
    from winit.keras import _demo
    assert _demo.main(epochs=4, out_dir=str(tmp_path), quiet=True) == 0
    out = capsys.readouterr().out
    assert "identical (bit for bit)" in out and "FAIL" not in out
    for init in ("SparseInit", "Orthogonal", "GlorotUniform", "TruncatedNormal"):
        assert init in out
    assert (tmp_path / "winit_demo.keras").exists()


def test_demo_without_keras_says_what_to_install():
    code = ("import sys, importlib.util as u; f = u.find_spec; "
            "u.find_spec = lambda n, *a: None if n == 'keras' else f(n, *a); "
            "from winit.__main__ import main; sys.exit(main(['demo']))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 1 and 'pip install -e ".[demo]"' in r.stderr
