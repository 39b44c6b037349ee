"""winit.jax sharded on 8 host CPU devices: every way of asking for a sharded array gives
the unsharded array's bits, and where winit can cut the tensor each device's block is
generated alone (the host calls are recorded: one per device, each exactly that device's
block, never the whole).

XLA_FLAGS must be set before jax is imported, and pytest's process has jax already: this
file runs itself (``python tests/test_jax_sharded.py``) in one subprocess that makes every
check and prints one JSON line; the tests below read it."""
import json
import os
import subprocess
import sys

import pytest

N_DEV = 8


# ---------------------------------------------------------------- the subprocess

def _checks() -> dict:  # noqa: C901 -- one script, many small checks
    import warnings

    import jax
    import jax.numpy as jnp
    import numpy as np
    from jax.sharding import AxisType, NamedSharding
    from jax.sharding import PartitionSpec as P

    import winit.jax as wj
    from winit.jax import _fill

    assert len(jax.devices()) == N_DEV, jax.devices()
    calls: list = []
    host = _fill.Job.host

    def recording(self, words, out=None, region=None):
        calls.append((self.shape, None if region is None else tuple(
            (s.start or 0, n if s.stop is None else s.stop) for s, n in zip(region, self.shape))))
        return host(self, words, out=out, region=region)

    _fill.Job.host = recording
    res: dict = {}
    key = jax.random.key(2024)

    def same(a, b):
        a, b = np.asarray(a), np.asarray(b)
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()

    def blocks(shape, sharding):
        return sorted({tuple((s.start or 0, n if s.stop is None else s.stop)
                             for s, n in zip(idx, shape))
                       for idx in sharding.devices_indices_map(shape).values()})

    def record(fn):
        calls.clear()
        out = fn()
        jax.block_until_ready(out)
        return out, list(calls)

    def per_shard(got, shape, sharding, shardable):
        """Each device's block generated alone (shardable), or one whole array (not)."""
        mine = [c for c in got if c[0] == shape]
        if not shardable:
            return [r for _, r in mine] == [None]
        want = blocks(shape, sharding)
        regions = [r for _, r in mine]
        return (None not in regions and sorted(set(regions)) == want
                and len(regions) == N_DEV)

    m1 = jax.make_mesh((8,), ("x",))                                  # explicit axes
    m2 = jax.make_mesh((4, 2), ("a", "b"), axis_types=(AxisType.Auto,) * 2)
    m3 = jax.make_mesh((2, 4), ("a", "b"))                            # explicit, 2-D
    cases = [
        # (name, init, shape, dtype, mesh, spec): shard sizes cut through Philox blocks
        # (4 float32 / 2 float64 values), Box-Muller pairs and complex (re, im) pairs
        ("glorot_normal 1d rows", wj.glorot_normal(), (24, 40), jnp.float32, m1, P("x")),
        ("normal 1d 3-per-shard", wj.normal(1.0), (8, 3), jnp.float32, m1, P("x")),
        ("he_uniform 1d cols bf16", wj.he_uniform(), (5, 16), jnp.bfloat16, m1, P(None, "x")),
        ("truncated_normal 2d", wj.truncated_normal(0.5), (12, 6), jnp.float32, m2, P("a", "b")),
        ("lecun_normal 2d joint f16", wj.lecun_normal(), (40, 7), jnp.float16, m2, P(("a", "b"))),
        ("variance_scaling 2d conv", wj.variance_scaling(2.0, "fan_avg", "uniform"),
         (3, 3, 16, 8), jnp.float32, m3, P(None, None, "b", "a")),
        ("normal 2d complex64", wj.normal(1.0), (6, 12), jnp.complex64, m3, P("a", "b")),
        ("sparse_init 2d", wj.sparse_init(0.5, 1.0), (16, 24), jnp.float32, m2, P("b", "a")),
        ("he_normal 2d replicated b", wj.he_normal(), (20, 12), jnp.float32, m2, P("a")),
        ("orthogonal 1d (whole, sliced)", wj.orthogonal(), (32, 16), jnp.float32, m1, P("x")),
        ("orthogonal 2d (whole, sliced)", wj.orthogonal(2.0), (16, 24), jnp.float32, m2,
         P("a", "b")),
    ]
    for name, init, shape, dt, mesh, spec in cases:
        sh = NamedSharding(mesh, spec)
        shardable = init.scheme.spec.shardable
        ref = np.asarray(init(key, shape, dt))
        ways = {
            "eager out_sharding": lambda: init(key, shape, dt, out_sharding=sh),
            "jit out_sharding": lambda: jax.jit(lambda k: init(k, shape, dt, out_sharding=sh))(key),
        }
        for way, fn in ways.items():
            out, got = record(fn)
            res[f"{name}: {way}: bits"] = same(out, ref)
            res[f"{name}: {way}: sharding"] = out.sharding.is_equivalent_to(sh, len(shape))
            res[f"{name}: {way}: per shard"] = per_shard(got, shape, sh, shardable)
        with jax.set_mesh(mesh):  # a PartitionSpec on the context mesh
            out, got = record(lambda: init(key, shape, dt, out_sharding=spec))
            res[f"{name}: set_mesh eager P: bits"] = same(out, ref)
            res[f"{name}: set_mesh eager P: per shard"] = per_shard(got, shape, sh, shardable)
            out, got = record(lambda: jax.jit(lambda k: init(k, shape, dt, out_sharding=spec))(key))
            res[f"{name}: set_mesh jit P: bits"] = same(out, ref)
            res[f"{name}: set_mesh jit P: per shard"] = per_shard(got, shape, sh, shardable)
        # jit's out_shardings alone: the init does not see the sharding -- the whole array
        # comes from one callback and XLA places it (same bits)
        out, got = record(lambda: jax.jit(lambda k: init(k, shape, dt), out_shardings=sh)(key))
        res[f"{name}: jit out_shardings: bits"] = same(out, ref)
        res[f"{name}: jit out_shardings: sharding"] = out.sharding.is_equivalent_to(sh, len(shape))
        res[f"{name}: jit out_shardings: one whole call"] = [r for _, r in got] == [None]

    # vmap over keys of a sharded init under jit: each key's array, sharded
    sh = NamedSharding(m2, P("a", "b"))
    keys = jax.random.split(key, 3)
    out = jax.jit(jax.vmap(lambda k: wj.normal()(k, (8, 4), out_sharding=sh)))(keys)
    res["vmap of a sharded init: bits"] = all(same(out[i], wj.normal()(keys[i], (8, 4)))
                                              for i in range(3))

    # float64 / complex128 blocks (2 values a Philox block) under x64
    with jax.enable_x64(True):
        for dt in (jnp.float64, jnp.complex128):
            init, shape, sh = wj.he_normal(), (24, 6), NamedSharding(m1, P("x"))
            ref = init(key, shape, dt)
            res[f"x64 {np.dtype(dt).name}: eager"] = same(init(key, shape, dt, out_sharding=sh), ref)
            res[f"x64 {np.dtype(dt).name}: jit"] = same(
                jax.jit(lambda k: init(k, shape, dt, out_sharding=sh))(key), ref)

    # JAX requires a NamedSharding to divide the shape; so do these initializers (a
    # ValueError from JAX, raised before anything is generated)
    sh = NamedSharding(m1, P("x"))
    errs = []
    for fn in (lambda: jax.nn.initializers.normal()(key, (10, 3), out_sharding=sh),
               lambda: wj.normal()(key, (10, 3), out_sharding=sh)):
        try:
            fn()
            errs.append(None)
        except ValueError as e:
            errs.append("divide" in str(e))
    res["uneven NamedSharding: JAX's error for both"] = errs == [True, True]

    # ---------------------------------------------------------------- Flax
    import flax.linen as nn
    from flax import nnx

    class Linen(nn.Module):
        @nn.compact
        def __call__(self, x):
            x = nn.Dense(64, kernel_init=nn.with_partitioning(
                wj.sharded(wj.glorot_uniform(), (None, "b")), (None, "b")))(x)
            x = nn.Dense(24, kernel_init=nn.with_partitioning(
                wj.sharded(wj.he_normal(), ("b", "a")), ("b", "a")))(x)
            return nn.Dense(8, kernel_init=nn.with_partitioning(   # flax's own wrapper alone
                wj.lecun_normal(), ("a", None)))(x)

    x = jnp.ones((4, 32))
    model = Linen()
    plain = nn.unbox(model.init(key, x))
    with jax.set_mesh(m2):
        specs = nn.get_partition_spec(jax.eval_shape(model.init, key, x))
        shardings = jax.tree.map(lambda s: NamedSharding(m2, s), specs)
        params, got = record(lambda: jax.jit(model.init, out_shardings=shardings)(key, x))
    params = nn.unbox(params)
    res["linen partitioned jit init: bits"] = all(
        same(a, b) for a, b in zip(jax.tree.leaves(params), jax.tree.leaves(plain)))
    p = params["params"]
    res["linen partitioned: shardings"] = (
        p["Dense_0"]["kernel"].sharding.spec == P(None, "b")
        and p["Dense_1"]["kernel"].sharding.spec == P("b", "a"))
    regions = {}
    for shape, r in got:
        regions.setdefault(shape, []).append(r)
    res["linen partitioned: sharded() kernels per shard"] = (
        sorted(regions[(32, 64)]) == sorted(r for r in regions[(32, 64)] if r is not None)
        and len(regions[(32, 64)]) == N_DEV and len(regions[(64, 24)]) == N_DEV
        and None not in regions[(64, 24)])
    res["linen partitioned: plain kernel one whole call"] = regions[(24, 8)] == [None]

    class NNX(nnx.Module):
        def __init__(self, rngs):
            self.l1 = nnx.Linear(32, 64, rngs=rngs, kernel_init=nnx.with_partitioning(
                wj.sharded(wj.glorot_uniform(), (None, "x")), (None, "x")))
            self.l2 = nnx.Linear(64, 16, rngs=rngs, kernel_init=nnx.with_partitioning(
                wj.sharded(wj.orthogonal(), ("x", None)), ("x", None)))

    with nnx.use_eager_sharding(False):  # no mesh: unsharded
        ref = NNX(nnx.Rngs(0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with jax.set_mesh(m1):
            eager, got_e = record(lambda: NNX(nnx.Rngs(0)))
            jitted, got_j = record(lambda: nnx.jit(lambda: NNX(nnx.Rngs(0)))())
    for tag, m, got in (("eager", eager, got_e), ("nnx.jit", jitted, got_j)):
        res[f"nnx partitioned {tag}: bits"] = (same(m.l1.kernel[...], ref.l1.kernel[...])
                                               and same(m.l2.kernel[...], ref.l2.kernel[...]))
        res[f"nnx partitioned {tag}: sharding"] = m.l1.kernel[...].sharding.spec == P(None, "x")
        l1 = [r for s, r in got if s == (32, 64)]
        res[f"nnx partitioned {tag}: per shard"] = len(l1) == N_DEV and None not in l1
    return res


if __name__ == "__main__":
    print(json.dumps(_checks()))
    sys.exit(0)


# ---------------------------------------------------------------- the tests

@pytest.fixture(scope="module")
def results():
    pytest.importorskip("jax")
    pytest.importorskip("flax")
    env = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={N_DEV}",
               JAX_PLATFORMS="cpu", PYTHONPATH=os.pathsep.join(
                   [os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                    os.environ.get("PYTHONPATH", "")]))
    r = subprocess.run([sys.executable, os.path.abspath(__file__)], env=env, capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-5000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def _failed(results, *words):
    mine = {k: v for k, v in results.items() if all(w in k for w in words)}
    assert mine, words
    return [k for k, v in mine.items() if v is not True]


@pytest.mark.parametrize("way", ["eager out_sharding", "jit out_sharding", "set_mesh eager P",
                                 "set_mesh jit P", "jit out_shardings"])
def test_sharded_equals_unsharded_bit_for_bit(results, way):
    assert _failed(results, f": {way}: bits") == []


@pytest.mark.parametrize("way", ["eager out_sharding", "jit out_sharding", "set_mesh eager P",
                                 "set_mesh jit P"])
def test_each_device_block_is_generated_alone(results, way):
    """shardable schemes: one call per device with exactly its block; orthogonal: one whole
    array, sliced (it cannot be cut)."""
    assert _failed(results, f": {way}: per shard") == []


def test_results_carry_the_requested_sharding(results):
    assert _failed(results, "sharding") == []


def test_jit_out_shardings_alone_generates_whole_then_places(results):
    assert _failed(results, "jit out_shardings: one whole call") == []


def test_vmap_x64_and_uneven(results):
    assert _failed(results, "vmap") == [] and _failed(results, "x64") == []
    assert _failed(results, "uneven") == []


def test_flax_linen_partitioned_params(results):
    assert _failed(results, "linen") == []


def test_flax_nnx_partitioned_params(results):
    assert _failed(results, "nnx") == []


def test_docs_sharded_example_runs(tmp_path):
    """docs/jax.md's ``# file: jax_sharded_init.py`` block, as a script on 8 devices."""
    pytest.importorskip("jax")
    pytest.importorskip("flax")
    import re
    from pathlib import Path
    text = (Path(__file__).resolve().parents[1] / "docs" / "jax.md").read_text()
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, re.S)
              if b.startswith("# file: jax_sharded_init.py")]
    assert len(blocks) == 1
    script = tmp_path / "jax_sharded_init.py"
    script.write_text(blocks[0])
    env = dict(os.environ, JAX_PLATFORMS="cpu", PYTHONPATH=os.pathsep.join(
        [str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")]))
    env.pop("XLA_FLAGS", None)  # the script sets it
    r = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True,
                       timeout=600, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-5000:]
    assert r.stdout.split("\n")[:3] == ["[(1024, 512)]", "P(None, 'model')", "P(None, 'model')"]
