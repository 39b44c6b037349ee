"""winit.keras models saved to .keras and loaded in fresh processes: on jax and torch
(and tensorflow where installed), and across backends (save under one, load under
another). Few processes: one per backend saves the three models (and runs the per-class
call contract there); then one per backend loads every saved file, after first
trying without ``import winit.keras`` (the documented error).

This file is also the worker those processes run:
    KERAS_BACKEND=B python tests/test_keras_saving.py save DIR
    KERAS_BACKEND=B python tests/test_keras_saving.py load DIR
"""
from __future__ import annotations

import importlib.util
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = [b for b in ("jax", "torch", "tensorflow") if importlib.util.find_spec(b)]
SEED_NONE_LAYER = "conv_seed_none"  # the one layer whose seed is None (drawn per process)


# ------------------------------------------------------------------ the worker

def build_models():
    """A Sequential and a functional model that use every winit.keras class, with
    non-default arguments (seeds: ints, one SeedGenerator, one None)."""
    import keras
    import winit.keras as wk
    L = keras.layers
    seq = keras.Sequential([
        keras.Input((12,)),
        L.Dense(16, kernel_initializer=wk.SparseInit(sparsity=0.25, std=0.5, seed=1),
                bias_initializer=wk.Constant(0.5)),
        L.Dense(16, kernel_initializer=wk.Orthogonal(gain=2.0, seed=2),
                bias_initializer=wk.Ones()),
        L.Dense(16, kernel_initializer=wk.IdentityInit(gain=2.0, shift=1),
                bias_initializer=wk.Zeros()),
        L.Dense(16, kernel_initializer=wk.HeUniform(gain=2.0, mode="fan_out", seed=3),
                bias_initializer=wk.RandomUniform(low=-0.5, high=0.25, seed=4)),
        L.Dense(16, kernel_initializer=wk.HeNormal(mode="fan_out", distribution="truncated_normal",
                                                   seed=keras.random.SeedGenerator(5))),
        L.Dense(16, kernel_initializer=wk.XavierUniform(gain=2.0, seed=6),
                bias_initializer=wk.RandomNormal(mean=0.1, std=0.5, seed=7)),
        L.Dense(8, kernel_initializer=wk.XavierNormal(distribution="truncated_normal", seed=8),
                bias_initializer=wk.TruncatedNormal(mean=0.1, std=0.5, lo=-1.0, hi=1.5,
                                                    bounds="std", seed=9)),
    ], name="seq")
    inp = keras.Input((6, 6, 4))
    x = L.Conv2D(8, 3, padding="same", kernel_initializer=wk.Dirac(groups=2))(inp)
    x = L.Conv2D(8, 3, padding="same", kernel_initializer=wk.DeltaOrthogonal(gain=2.0, seed=10))(x)
    x = L.Conv2D(8, 3, kernel_initializer=wk.KaimingNormal(), name=SEED_NONE_LAYER)(x)
    x = L.Flatten()(x)
    x = L.Dense(16, kernel_initializer=wk.GlorotUniform(gain=2.0, seed=11))(x)
    x = L.Dense(16, kernel_initializer=wk.GlorotNormal(distribution="truncated_normal",
                                                       seed=12))(x)
    x = L.Dense(16, kernel_initializer=wk.KaimingUniform(mode="fan_avg", seed=13))(x)
    x = L.Dense(16, kernel_initializer=wk.LecunUniform(gain=2.0, seed=14), dtype="bfloat16")(x)
    x = L.Dense(16, kernel_initializer=wk.LecunNormal(mode="fan_geo_avg",
                                                      distribution="truncated_normal", seed=15),
                dtype="float16")(x)
    x = L.Dense(16, kernel_initializer=wk.VarianceScaling(scale=2.0, mode="fan_out",
                                                          distribution="uniform", seed=16,
                                                          in_axis=0, out_axis=1))(x)
    out = L.Dense(4, kernel_initializer=wk.RandomNormal(std=0.5, seed=17))(x)
    func = keras.Model(inp, out, name="func")
    # Keras' attention layers (EinsumDense kernels get the layer's axes) and Constant with
    # array values: a list, a numpy array and a backend tensor, each broadcast
    inp = keras.Input((6, 32))
    x = L.MultiHeadAttention(num_heads=4, key_dim=8, kernel_initializer=wk.GlorotUniform(seed=18),
                             bias_initializer=wk.Constant(0.1))(inp, inp)
    x = L.EinsumDense("abc,cde->abde", output_shape=(None, 4, 8), bias_axes="de",
                      kernel_initializer=wk.HeNormal(seed=keras.random.SeedGenerator(19)),
                      bias_initializer=wk.Constant(np.linspace(-1.0, 1.0, 8)))(x)
    x = L.Reshape((6, 32))(x)
    x = L.Dense(16, kernel_initializer=wk.Constant(keras.ops.convert_to_tensor(
        np.linspace(-0.5, 0.5, 16, dtype="float32"))),
        bias_initializer=wk.Constant([0.25, -0.25] * 8))(x)
    out = L.Dense(4, kernel_initializer=wk.LecunUniform(input_axes=[0], output_axes=[1],
                                                        seed=20))(x)
    attn = keras.Model(inp, out, name="attn")
    return {"seq": seq, "func": func, "attn": attn}


def inputs():
    rs = np.random.RandomState(0)
    return {"seq": rs.rand(5, 12).astype("float32"), "func": rs.rand(5, 6, 6, 4).astype("float32"),
            "attn": rs.rand(5, 6, 32).astype("float32")}


def _np(x):
    import keras
    if isinstance(x, keras.Variable):
        x = x.value
    return keras.ops.convert_to_numpy(x)


def _weights(model):
    return [(w.path, str(_np(w).dtype), _np(w).shape, _np(w).tobytes()) for w in model.weights]


def _describe(model, x):
    import keras
    clone = keras.models.clone_model(model)  # re-initialised from the (loaded) configs
    return {"config": json.loads(json.dumps(model.get_config())),
            "weights": _weights(model),
            "reinit": _weights(clone),
            "pred": np.asarray(_np(model.predict(x, verbose=0)), dtype=np.float32)}


def contract():
    """Every class called on this backend: (dtype name, shape, bytes) per dtype."""
    import keras
    import winit.keras as wk
    out = {}
    for name in wk.__all__:
        cls = getattr(wk, name)
        if not (isinstance(cls, type) and issubclass(cls, wk.WinitInitializer)) or \
                cls is wk.WinitInitializer:
            continue
        shape = (3, 3, 8, 16) if name in ("Dirac", "DeltaOrthogonal") else (16, 24)
        init = cls(seed=21) if name != "SparseInit" else cls(sparsity=0.3, seed=21)
        for dt in ("float32", "float16", "bfloat16"):
            x = init(shape, dtype=dt)
            out[name, dt] = (keras.backend.standardize_dtype(x.dtype), tuple(x.shape),
                             _np(x).tobytes())
    return out


def save(d: Path) -> None:
    import keras
    b = keras.backend.backend()
    models, x = build_models(), inputs()
    res = {"backend": b, "contract": contract(), "models": {}}
    for name, m in models.items():
        m.save(d / f"{b}_{name}.keras")
        res["models"][name] = _describe(m, x[name])
    (d / f"save_{b}.pkl").write_bytes(pickle.dumps(res))


def load(d: Path) -> None:
    import keras
    b = keras.backend.backend()
    files = sorted(d.glob("*.keras"))
    res = {"backend": b, "missing_import": None, "missing_import_attn": None, "loaded": {}}
    # the import rule: without `import winit.keras` Keras cannot find the classes
    for key, kind in (("missing_import", "_func"), ("missing_import_attn", "_attn")):
        try:
            keras.models.load_model(next(f for f in files if f.stem.endswith(kind)))
        except Exception as e:  # noqa: BLE001 - recorded, asserted by the test
            res[key] = (type(e).__name__, str(e))
    import winit.keras  # noqa: F401
    x = inputs()
    for f in files:
        saved_by, name = f.stem.split("_", 1)
        res["loaded"][saved_by, name] = _describe(keras.models.load_model(f), x[name])
    (d / f"load_{b}.pkl").write_bytes(pickle.dumps(res))


if __name__ == "__main__":
    {"save": save, "load": load}[sys.argv[1]](Path(sys.argv[2]))
    sys.exit(0)


# ------------------------------------------------------------------ the tests

import pytest  # noqa: E402

os.environ.setdefault("KERAS_BACKEND", "jax")  # for the in-process imports (keras' default
pytest.importorskip("keras")                   # backend, tensorflow, may be absent)
if len(BACKENDS) < 1 or "jax" not in BACKENDS:
    pytest.skip("the saving tests need keras with jax", allow_module_level=True)


def _run_all(mode: str, d: Path) -> None:
    procs = {}
    for b in BACKENDS:
        env = dict(os.environ, KERAS_BACKEND=b, PYTHONWARNINGS="ignore",
                   TF_CPP_MIN_LOG_LEVEL="3")
        procs[b] = subprocess.Popen([sys.executable, __file__, mode, str(d)], env=env, cwd=ROOT,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    failed = []
    for b, p in procs.items():
        out, _ = p.communicate(timeout=600)
        if p.returncode:
            failed.append(f"--- {mode} under {b} (exit {p.returncode}):\n{out[-4000:]}")
    if failed:
        raise RuntimeError("\n".join(failed))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("keras_saving")
    _run_all("save", d)
    _run_all("load", d)
    saved = {b: pickle.loads((d / f"save_{b}.pkl").read_bytes()) for b in BACKENDS}
    loaded = {b: pickle.loads((d / f"load_{b}.pkl").read_bytes()) for b in BACKENDS}
    return saved, loaded


PAIRS = [(s, l) for s in BACKENDS for l in BACKENDS]


def test_backends_ran(runs):
    saved, loaded = runs
    assert {s["backend"] for s in saved.values()} == set(BACKENDS)
    assert {x["backend"] for x in loaded.values()} == set(BACKENDS)


@pytest.mark.parametrize("saver,loader", PAIRS, ids=[f"{s}-to-{l}" for s, l in PAIRS])
@pytest.mark.parametrize("model", ["seq", "func", "attn"])
def test_load_in_fresh_process(runs, saver, loader, model):
    saved, loaded = runs
    a = saved[saver]["models"][model]
    b = loaded[loader]["loaded"][saver, model]
    assert b["config"] == a["config"]  # identical configs
    # identical weights: dtypes, shapes, bytes (a loaded Sequential's variable paths gain
    # the model's name: not compared)
    assert [w[1:] for w in b["weights"]] == [w[1:] for w in a["weights"]]
    if saver == loader:
        assert np.array_equal(b["pred"], a["pred"])  # same backend: the same bits
    else:  # other kernels: close. "func" has bfloat16 and float16 layers, whose
        # rounding differs per backend (tensorflow vs jax: 0.2 on outputs of 50), so
        # its tolerance is a fraction of the output's scale
        scale = float(np.abs(a["pred"]).max()) if model == "func" else 1.0
        np.testing.assert_allclose(b["pred"], a["pred"], rtol=0.05, atol=0.02 * scale)


@pytest.mark.parametrize("saver,loader", PAIRS, ids=[f"{s}-to-{l}" for s, l in PAIRS])
@pytest.mark.parametrize("model", ["seq", "func", "attn"])
def test_reinitialised_from_loaded_config_same_bits(runs, saver, loader, model):
    """clone_model of the loaded model re-runs every initializer from its loaded config:
    the same bits as at save time, on any backend (all but the seed=None layer, whose
    seed is drawn anew in each process, as Keras' own)."""
    saved, loaded = runs
    a = saved[saver]["models"][model]["weights"]
    b = loaded[loader]["loaded"][saver, model]["reinit"]
    assert len(a) == len(b)
    n = 0
    for (pa, da, sa, ba), (_pb, db, sb, bb) in zip(a, b):
        assert (da, sa) == (db, sb)
        if SEED_NONE_LAYER in pa:
            assert ba != bb or "bias" in pa
            continue
        assert ba == bb, pa
        n += 1
    assert n >= 10


@pytest.mark.parametrize("backend", BACKENDS)
def test_missing_import_is_the_documented_keras_error(runs, backend):
    _, loaded = runs
    err = loaded[backend]["missing_import"]
    assert err is not None, "load_model worked without `import winit.keras`"
    kind, text = err
    assert kind == "TypeError"
    assert "Could not interpret initializer identifier: {'module': 'winit.keras'" in text
    assert "'registered_name': 'winit>" in text
    doc = (ROOT / "docs" / "keras.md").read_text()
    assert "Could not interpret initializer identifier: {'module': 'winit.keras'" in doc
    assert "import winit.keras" in doc
    # a winit class named as a Keras built-in (GlorotUniform in MultiHeadAttention): Keras
    # falls back to its own class by name, which rejects winit's arguments
    kind, text = loaded[backend]["missing_import_attn"]
    assert kind == "TypeError" and "unexpected keyword argument 'gain'" in text
    assert "GlorotUniform.__init__() got an unexpected keyword argument 'gain'" in doc


@pytest.mark.parametrize("backend", BACKENDS)
def test_call_contract_on_each_backend(runs, backend):
    """Each class on each backend: exact shape and dtype, and the bits of the functional
    call (bfloat16 too, which the torch backend would otherwise route through float32)."""
    import winit
    saved, _ = runs
    res = saved[backend]["contract"]
    assert len(res) == 22 * 3
    from winit.keras._initializers import ALIAS_CLASSES, CLASSES  # needs keras: imported here
    classes = {**CLASSES, **ALIAS_CLASSES}
    for (name, dt), (got_dt, shape, data) in res.items():
        spec = classes[name].scheme
        exp_shape = (3, 3, 8, 16) if name in ("Dirac", "DeltaOrthogonal") else (16, 24)
        kw = {"sparsity": 0.3} if name == "SparseInit" else {}
        ref = getattr(winit, spec.name)(exp_shape, **kw, dtype=dt, rng=21)
        assert (got_dt, shape) == (dt, exp_shape), name
        assert data == ref.tobytes(), (name, dt)


def test_torch_and_tensorflow_backends():
    """The tests above run every installed backend; the test extra installs torch."""
    if "torch" not in BACKENDS:
        pytest.fail("torch is not installed: pip install -e '.[test]' installs torch==2.13.0")
    if "tensorflow" not in BACKENDS:
        pytest.skip("tensorflow is not installed (the tests above include it when it is)")
