"""Issue 20: a default seed, create_bias, the small_rank bias rule, and errors that point
to the fix (error texts asserted)."""
from __future__ import annotations

import asyncio
import subprocess
import sys
import threading

import numpy as np
import pytest

import winit

from conftest import run_threads


@pytest.fixture(autouse=True)
def _no_default():
    winit.seed(None)
    yield
    winit.seed(None)


# ---------------------------------------------------------------- the default seed

def test_seed_makes_calls_reproducible_in_call_order():
    winit.seed(7)
    a, b = winit.normal((3, 4)), winit.glorot_uniform((3, 4))
    init = winit.kaiming_normal()
    c = init((5,))
    assert winit.default_generator().position == 3  # the stream advanced once per call
    g = winit.Generator(7)
    assert a.tobytes() == winit.normal((3, 4), rng=g).tobytes()
    assert b.tobytes() == winit.glorot_uniform((3, 4), rng=g).tobytes()
    assert c.tobytes() == init((5,), rng=g).tobytes()
    assert a.tobytes() != winit.normal((3, 4)).tobytes()  # stream 3, not stream 0
    winit.seed(7)
    assert a.tobytes() == winit.normal((3, 4)).tobytes()  # reseeding restarts


def test_explicit_rng_and_deterministic_schemes_ignore_the_default():
    winit.seed(1)
    assert winit.normal((4,), rng=5).tobytes() == winit.normal((4,), rng=winit.Generator(5)).tobytes()
    winit.zeros((3,))
    assert winit.default_generator().position == 0


def test_without_a_default_rng_none_is_fresh_entropy():
    assert winit.default_generator() is None
    assert winit.normal((8,)).tobytes() != winit.normal((8,)).tobytes()
    winit.seed(3)
    assert winit.seed(None) is None and winit.default_generator() is None
    assert winit.normal((8,)).tobytes() != winit.normal((8,)).tobytes()


def test_seed_takes_a_generator_and_refuses_bad_seeds():
    g = winit.Generator(9).fold_in("encoder")
    assert winit.seed(g) is g and winit.default_generator() is g
    with pytest.raises(ValueError, match=r"Argument `seed` must be a non-negative int or None. "
                                         r"Received: seed=-1"):
        winit.seed(-1)
    with pytest.raises(TypeError, match="Received: seed=1.5 of type float"):
        winit.seed(1.5)


def test_seeded_scopes_the_default_and_nests():
    winit.seed(1)
    with winit.seeded(3) as g:
        a = winit.normal((4,))
        with winit.seeded(None):
            assert winit.default_generator() is None
        assert winit.default_generator() is g
    assert winit.default_generator().seed == 1 and winit.default_generator().position == 0
    assert a.tobytes() == winit.normal((4,), rng=3).tobytes()


def test_seeded_does_not_leak_into_other_threads():
    seen = {}
    inside = threading.Event()
    done = threading.Event()

    def other():
        inside.wait()
        seen["other"] = winit.default_generator()
        done.set()

    t = threading.Thread(target=other)
    t.start()
    with winit.seeded(5) as g:
        inside.set()
        done.wait()
        seen["here"] = winit.default_generator()
    t.join()
    assert seen["other"] is None and seen["here"] is g


def test_seeded_in_asyncio_tasks_is_per_task():
    async def task(n):
        with winit.seeded(n):
            await asyncio.sleep(0)
            first = winit.normal((4,))
            await asyncio.sleep(0)
            return first, winit.normal((4,))

    async def main():
        return await asyncio.gather(task(1), task(2), task(1))

    (a1, b1), (a2, _), (a3, b3) = asyncio.run(main())
    assert a1.tobytes() == a3.tobytes() and b1.tobytes() == b3.tobytes()
    assert a1.tobytes() != a2.tobytes()


def test_seed_is_thread_safe_no_stream_taken_twice():
    winit.seed(11)
    out: list[bytes] = []
    lock = threading.Lock()

    def work(_):
        for _ in range(50):
            v = winit.uniform((4,)).tobytes()
            with lock:
                out.append(v)

    run_threads(work, 4)
    assert winit.default_generator().position == 200
    g = winit.Generator(11)
    expected = {winit.uniform((4,), rng=g).tobytes() for _ in range(200)}
    assert set(out) == expected and len(expected) == 200


def test_every_face_resolves_rng_none_the_same_way():
    import winit.dask as wd
    winit.seed(4)
    d = wd.normal((4, 4), chunks=2).compute()
    assert d.tobytes() == winit.normal((4, 4), rng=winit.Generator(4)).tobytes()
    assert winit.default_generator().position == 1


def test_torch_face_uses_the_default():
    torch = pytest.importorskip("torch")
    import winit.torch as wt
    winit.seed(2)
    t = wt.normal_(torch.empty(3, 4))
    assert np.array_equal(t.numpy(), winit.normal((3, 4), rng=winit.Generator(2), layout="torch"))
    assert winit.default_generator().position == 1


def test_keras_seed_none_draws_from_the_default(monkeypatch):
    pytest.importorskip("keras")
    import winit.keras as wk
    from winit._generator import draw_seed
    winit.seed(6)
    init = wk.GlorotUniform()
    assert init.seed == draw_seed(winit.Generator(6)) and init.get_config()["seed"] is None


# ---------------------------------------------------------------- rng types

@pytest.mark.parametrize("rng,fix", [
    (np.random.default_rng(0), r"a numpy Generator; draw a seed from it: rng=int\(g.integers\(2\*\*63\)\)"),
    (np.random.SeedSequence(1), r"a numpy SeedSequence; pass its entropy, rng=ss.entropy"),
    (np.random.RandomState(0), r"a numpy RandomState; draw a seed from it"),
])
def test_numpy_rngs_say_how_to_convert(rng, fix):
    with pytest.raises(TypeError, match=r"Argument `rng` must be a winit.Generator, an int seed "
                                        r"or None. Received: " + fix):
        winit.normal((2,), rng=rng)


def test_numpy_generator_conversion_works():
    g = np.random.default_rng(0)
    assert winit.normal((2,), rng=int(g.integers(2**63))).shape == (2,)
    ss = np.random.SeedSequence(5)
    assert winit.Generator(ss.entropy).key == tuple(int(x) for x in ss.generate_state(2, np.uint32))


def test_torch_generator_and_jax_key_say_how_to_convert():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match=r"a torch.Generator; rng=winit.torch.resolve_generator\(g\)"):
        winit.normal((2,), rng=torch.Generator())
    jax = pytest.importorskip("jax")
    with pytest.raises(TypeError, match=r"rng=winit.jax.generator\(key\)"):
        winit.normal((2,), rng=jax.random.key(0))
    with pytest.raises(TypeError, match=r"rng=winit.jax.generator\(key\)"):
        winit.glorot_uniform(rng=jax.random.PRNGKey(0))


# ---------------------------------------------------------------- unknown keywords

@pytest.mark.parametrize("call,match", [
    (lambda: winit.normal((2,), stddev=1.0),
     r"normal\(\) got an unexpected keyword argument 'stddev' \(did you mean std=\?\). "
     r"Its parameters are mean, std; common arguments: dtype, rng, device"),
    (lambda: winit.normal((2,), seed=1),
     r"'seed' \(did you mean rng=\?; it takes an int seed, a winit.Generator or None\)"),
    (lambda: winit.uniform((2,), minval=0.0, maxval=1.0),
     r"unexpected keyword arguments 'maxval' \(did you mean high=\?\), 'minval' \(did you mean low=\?\)"),
    (lambda: winit.truncated_normal((2,), a=-1.0),
     r"'a' \(did you mean lo=\?\)"),
    (lambda: winit.kaiming_uniform((2, 2), a=0.1),
     r"'a' \(did you mean gain=\?; torch's nonlinearity/a is gain=winit.calculate_gain"),
    (lambda: winit.glorot_uniform(gian=2.0), r"'gian' \(did you mean gain="),
    (lambda: winit.Initializer("normal", sigma=2.0),
     r"normal\(\) got an unexpected argument 'sigma' \(did you mean std=\?\)"),
    (lambda: winit.zeros((2,), foo=1), r"zeros\(\) got an unexpected keyword argument 'foo'. "
                                       r"Its parameters are \(none\)"),
])
def test_unknown_keywords_say_did_you_mean(call, match):
    with pytest.raises(TypeError, match=match):
        call()


def test_the_catch_all_is_not_in_the_signature():
    import inspect
    sig = inspect.signature(winit.normal)
    assert all(p.kind is not p.VAR_KEYWORD for p in sig.parameters.values())


def test_keras_and_dask_unknown_keywords():
    pytest.importorskip("keras")
    import winit.dask as wd
    import winit.keras as wk
    with pytest.raises(TypeError, match=r"RandomNormal\(\) got an unexpected keyword argument "
                                        r"'rng' \(did you mean seed=\?\)"):
        wk.RandomNormal(rng=3)
    with pytest.raises(TypeError, match=r"winit.dask.normal\(\) got an unexpected keyword "
                                        r"argument 'stddev' \(did you mean std=\?\)"):
        wd.normal((4, 4), stddev=1.0)


# ---------------------------------------------------------------- dtypes and shapes

def test_torch_dtypes_are_accepted():
    torch = pytest.importorskip("torch")
    for tdt, name in ((torch.float32, "float32"), (torch.bfloat16, "bfloat16"),
                      (torch.float16, "float16"), (torch.complex64, "complex64")):
        assert str(winit.normal((2,), dtype=tdt, rng=0).dtype) == name
    assert winit.normal((2,), dtype=torch.bfloat16, rng=0).tobytes() == \
        winit.normal((2,), dtype="bfloat16", rng=0).tobytes()
    assert winit.ones((2,), dtype=torch.int8).dtype == np.int8
    with pytest.raises(TypeError, match=r"Received: dtype=torch.float8_e4m3fn"):
        winit.normal((2,), dtype=torch.float8_e4m3fn)


def test_a_tensor_as_shape_is_a_short_error():
    w = np.ones((300, 300))
    with pytest.raises(TypeError) as e:
        winit.normal(w)
    msg = str(e.value)
    assert msg == ("Argument `shape` must be a tuple of non-negative ints. Received: a ndarray "
                   "of shape (300, 300) and dtype float64 -- a tensor, not a shape; pass its "
                   "shape: shape=x.shape (to fill a numpy array in place: out=x)")
    with pytest.raises(TypeError, match=r"a ndarray of shape \(1000,\) and dtype int64"):
        winit.normal(np.arange(1000))
    assert winit.normal(np.array([2, 3]), rng=0).shape == (2, 3)  # a short int array still is


# ---------------------------------------------------------------- create_bias

def test_create_bias_numpy():
    w = winit.glorot_uniform((8, 4), rng=0, dtype="float64")
    b = winit.create_bias(w, True, 4)
    assert b.shape == (4,) and b.dtype == np.float64 and not b.any()
    assert winit.create_bias(w, True, (2, 4)).shape == (2, 4)
    assert winit.create_bias(w, False, 4) is None
    given = np.ones(4)
    assert winit.create_bias(w, given, 4) is given
    with pytest.raises(ValueError, match=r"Argument `bias` must have shape \(4,\). Received: "
                                         r"bias of shape \(3,\)"):
        winit.create_bias(w, np.ones(3), 4)
    with pytest.raises(TypeError, match=r"Argument `bias` must have the weights' dtype float64. "
                                        r"Received: bias of dtype float32; convert it first"):
        winit.create_bias(w, np.ones(4, np.float32), 4)
    with pytest.raises(TypeError, match=r"Argument `bias` must be True, False or an array"):
        winit.create_bias(w, "yes", 4)


def test_create_bias_framework_tensors():
    torch = pytest.importorskip("torch")
    b = winit.create_bias(torch.empty(3, 5, dtype=torch.bfloat16), True, 5)
    assert isinstance(b, torch.Tensor) and b.dtype == torch.bfloat16 and b.shape == (5,)
    jnp = pytest.importorskip("jax.numpy")
    bj = winit.create_bias(jnp.zeros((3, 5), jnp.float16), True, 5)
    assert bj.dtype == jnp.float16 and bj.shape == (5,) and type(bj).__module__.startswith("jax")


# ---------------------------------------------------------------- small_rank

def test_small_rank_default_is_todays_reading():
    a = winit.glorot_uniform((5,), rng=0)
    assert a.tobytes() == winit.glorot_uniform((5, 5), rng=0)[0].tobytes()
    assert winit.glorot_uniform((5,), rng=0, small_rank="fans").tobytes() == a.tobytes()
    assert "small_rank" not in winit.glorot_uniform().get_config()


@pytest.mark.parametrize("name", ["variance_scaling", "glorot_uniform", "glorot_normal",
                                  "kaiming_uniform", "kaiming_normal", "lecun_uniform",
                                  "lecun_normal"])
def test_small_rank_zeros_and_error(name):
    fn = getattr(winit, name)
    g = winit.Generator(0)
    for shape in ((7,), ()):
        z = fn(shape, small_rank="zeros", rng=g)
        assert z.shape == shape and not z.any()
    assert g.position == 0  # zeros take no stream
    w = fn((4, 3), small_rank="zeros", rng=1)  # rank >= 2: unchanged
    assert w.tobytes() == fn((4, 3), rng=1).tobytes()
    with pytest.raises(ValueError, match=r"Argument `shape`=\(7,\) has rank 1: it has no fan_in "
                                         r"and fan_out \(small_rank='error', as torch and JAX\)"):
        fn((7,), small_rank="error")
    init = fn(small_rank="zeros")
    cfg = init.get_config()
    assert cfg["small_rank"] == "zeros" and winit.from_config(cfg) == init
    assert not init((3,)).any()


def test_small_rank_memo_tells_n_from_n_n():
    fn = winit.glorot_uniform
    assert fn((6, 6), small_rank="zeros", rng=0).any()
    assert not fn((6,), small_rank="zeros", rng=0).any()
    assert fn((6, 6), small_rank="zeros", rng=0).any()
    with pytest.raises(ValueError, match="small_rank` must be one of 'fans', 'zeros', 'error'"):
        fn((6,), small_rank="zero")


# ---------------------------------------------------------------- docs, CLI

def test_truncated_normal_docs_show_bounds_std():
    import pathlib
    readme = (pathlib.Path(__file__).parents[1] / "README.md").read_text()
    first = readme[:readme.index("## Install")]
    assert 'winit.truncated_normal((256, 128), std=0.02, bounds="std", rng=7)' in first
    assert 'bounds="std"' in winit.truncated_normal.__doc__
    cut = winit.truncated_normal((10000,), std=0.02, bounds="std", rng=7)
    assert np.abs(cut).max() <= 0.04


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "winit", *args], capture_output=True, text=True)


def test_cli_sample_missing_required_names_the_param_form():
    r = _cli("sample", "sparse_init", "--shape", "4,6")
    assert r.returncode == 2
    assert "sparse_init needs --param sparsity=VALUE" in r.stderr
    assert "--param sparsity=0.9" in r.stderr


def test_cli_bench_help_is_plain_text_with_help_for_every_option():
    r = _cli("bench", "--help")
    assert r.returncode == 0 and "``" not in r.stdout
    for opt in ("--dists DISTS", "--dtypes DTYPES"):
        line = next(ln for ln in r.stdout.splitlines() if ln.strip().startswith(opt))
        assert line.strip() != opt, line  # help text follows the option


def test_demo_does_not_print_a_deleted_path():
    import inspect
    from winit.keras import _demo
    src = inspect.getsource(_demo.main)
    assert "keep it with --out DIR" in src and 'f"saved {path}" if out_dir is not None' in src


def test_keras_classes_take_small_rank():
    """winit.keras' variance-scaling classes take the bias rule as the functions do: in
    the config only when set, and it survives from_config."""
    keras = pytest.importorskip("keras")
    import winit.keras as wk
    init = wk.HeNormal(seed=1, small_rank="zeros")
    assert np.asarray(keras.ops.convert_to_numpy(init((5,)))).tolist() == [0.0] * 5
    cfg = init.get_config()
    assert cfg["small_rank"] == "zeros"
    again = wk.HeNormal.from_config(cfg)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(again((4, 3))),
                                  winit.he_normal((4, 3), rng=again.seed))
    assert "small_rank" not in wk.HeNormal(seed=1).get_config()
    with pytest.raises(ValueError, match="small_rank='error'"):
        wk.GlorotUniform(seed=1, small_rank="error")((3,))
    with pytest.raises(ValueError, match="`small_rank` must be one of"):
        wk.LecunNormal(small_rank="bias")
