"""winit.dask (issue 7): lazy chunked arrays equal the in-memory call bit for bit for
any chunking and scheduler; the generator is fixed to one (key, stream) when the
array is built; the graph is small, picklable and holds no arrays; `import winit`
does not import dask."""
import pickle
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

da = pytest.importorskip("dask.array")
import dask

import winit
import winit.dask as wd

from conftest import DTYPES, SHARDABLE, hypothesis_settings

SETTINGS = hypothesis_settings(60)


def params_of(name, dtype="float32"):
    return {"sparse_init": {"sparsity": 0.3}, "dirac": {"groups": 2},
            "constant": {"value": -1.25}, "identity_init": {"gain": 2.0, "shift": 1},
            "uniform": {"low": -2.0, "high": 0.5},
            "truncated_normal": ({"lo": -0.75, "hi": 0.75} if dtype.startswith("complex")
                                 else {"lo": -0.5, "hi": 1.5})}.get(name, {})


def shape_of(name):
    return (37, 29) if name == "sparse_init" else (9, 7, 11, 6)


def test_import_winit_does_not_import_dask():
    code = "import sys, winit; winit.glorot_normal((3, 3), rng=1); print(any(m == 'dask' or " \
           "m.startswith('dask.') for m in sys.modules))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "False"


def test_every_scheme_and_alias_has_a_function():
    for name in list(winit.SCHEMES) + list(winit.ALIASES):
        fn = getattr(wd, name)
        assert callable(fn) and name in wd.__all__
        ps = fn.__signature__.parameters
        assert next(iter(ps)) == "shape" and {"chunks", "dtype", "rng"} <= set(ps)
        assert not {"device", "out", "region"} & set(ps)
        spec = winit.get_scheme(name)
        assert set(spec.param_names) <= set(ps)
    assert wd.SHARDABLE == tuple(SHARDABLE)
    assert wd.xavier_normal is wd.glorot_normal


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", SHARDABLE)
def test_threaded_compute_equals_the_whole(name, dtype):
    shape, params = shape_of(name), params_of(name, dtype)
    chunks = (10, 7) if name == "sparse_init" else (4, 3, 5, 6)  # uneven last chunks
    arr = getattr(wd, name)(shape, chunks=chunks, rng=123, dtype=dtype, **params)
    assert arr.shape == shape and arr.dtype == np.dtype(winit.zeros((), dtype=dtype).dtype)
    whole = getattr(winit, name)(shape, rng=123, dtype=dtype, **params)
    got = arr.compute(scheduler="threads", num_workers=4)
    assert got.dtype == whole.dtype and got.tobytes() == whole.tobytes()


@st.composite
def chunked_calls(draw):
    name = draw(st.sampled_from(SHARDABLE))
    dtype = draw(st.sampled_from(DTYPES))
    rank = 2 if name == "sparse_init" else draw(st.integers(3 if name == "dirac" else 0, 3))
    shape = tuple(draw(st.lists(st.integers(0 if name != "dirac" else 1, 13), min_size=rank,
                                max_size=rank)))
    chunks = []
    for n in shape:  # a random partition of each axis
        parts, left = [], n
        while left:
            parts.append(draw(st.integers(1, left)))
            left -= parts[-1]
        chunks.append(tuple(parts) or (0,))
    params = params_of(name, dtype)
    if name == "dirac":
        params = {"groups": 1}
    if name == "sparse_init":
        params["sparsity"] = draw(st.sampled_from([0.0, 0.25, 0.5, 1.0]))
    axes = {}
    if winit.SCHEMES[name].axes and rank >= 2 and draw(st.booleans()):
        axes = {"layout": "torch"}
    return name, shape, tuple(chunks), dtype, {**params, **axes}


@SETTINGS
@given(chunked_calls())
def test_random_chunkings_equal_the_whole(call):
    name, shape, chunks, dtype, params = call
    try:
        whole = getattr(winit, name)(shape, rng=77, dtype=dtype, **params)
    except ValueError:  # structural refusal (e.g. identity/dirac on a degenerate shape)
        with pytest.raises(ValueError):
            getattr(wd, name)(shape, chunks=chunks, rng=77, dtype=dtype, **params)
        return
    arr = getattr(wd, name)(shape, chunks=chunks, rng=77, dtype=dtype, **params)
    assert arr.chunks == chunks
    got = arr.compute(scheduler="sync")
    assert got.shape == whole.shape and got.tobytes() == whole.tobytes()


# ------------------------------------------------------------ the generator, resolved once

def test_a_generator_gives_up_one_stream_when_the_array_is_built():
    g, h = winit.Generator(5), winit.Generator(5)
    a = wd.glorot_normal((40, 30), chunks=7, rng=g)
    b = wd.sparse_init((40, 30), sparsity=0.5, chunks=(9, 30), rng=g)
    c = winit.normal((5,), rng=g)
    assert g.position == 3
    a2 = winit.glorot_normal((40, 30), rng=h)
    b2 = winit.sparse_init((40, 30), sparsity=0.5, rng=h)
    c2 = winit.normal((5,), rng=h)
    for _ in range(2):  # computing again (or in any order) gives the same values
        assert b.compute().tobytes() == b2.tobytes()
        assert a.compute().tobytes() == a2.tobytes()
    assert c.tobytes() == c2.tobytes() and g.position == 3


def test_deterministic_schemes_take_no_stream():
    g = winit.Generator(1)
    wd.zeros((3, 4), rng=g), wd.identity_init((4, 4), rng=g), wd.dirac((3, 3, 3), rng=g)
    assert g.position == 0


def test_fresh_entropy_is_drawn_once():
    x = wd.normal((50, 20), chunks=(7, 6))  # rng=None
    first = x.compute()
    assert x.compute(scheduler="threads").tobytes() == first.tobytes()
    assert pickle.loads(pickle.dumps(x)).compute().tobytes() == first.tobytes()
    assert wd.normal((50, 20), chunks=(7, 6)).compute().tobytes() != first.tobytes()


def test_invalid_arguments_raise_before_a_stream_is_taken():
    g = winit.Generator(0)
    cases = [(lambda: wd.glorot_normal((4, 4), gain=-1, rng=g), ValueError, "`gain`"),
             (lambda: wd.sparse_init((4, 4, 4), sparsity=0.1, rng=g), ValueError, "2-D"),
             (lambda: wd.sparse_init((4, 4), rng=g), TypeError, "sparsity"),
             (lambda: wd.dirac((4, 4, 6), groups=4), ValueError, "`groups`"),
             (lambda: wd.uniform((4,), dtype="int32", rng=g), TypeError, "`dtype`"),
             (lambda: wd.normal((4,), rng="seed"), TypeError, "`rng`"),
             (lambda: wd.normal((4, -1), rng=g), ValueError, "`shape`"),
             (lambda: wd.normal((10,), chunks=(3, 3), rng=g), ValueError, "chunks"),
             (lambda: wd.normal((4,), device="cuda", rng=g), TypeError, "device"),
             (lambda: wd.normal((4,), region=(slice(0, 1),)), TypeError, "region"),
             (lambda: wd.array("glorot_normal", (4, 4), out=np.empty((4, 4))), TypeError, "out"),
             (lambda: wd.glorot_normal((4, 4), in_axis=5, rng=g), ValueError, "in_axis"),
             (lambda: wd.glorot_normal(), TypeError, "shape")]
    for call, exc, match in cases:
        with pytest.raises(exc, match=match):
            call()
    assert g.position == 0


@pytest.mark.parametrize("name", ["orthogonal", "delta_orthogonal"])
def test_not_shardable_schemes_name_the_alternative(name):
    g = winit.Generator(0)
    with pytest.raises(ValueError, match=r"cannot be generated in chunks.*QR.*dask\.array\."
                                         r"from_array\(winit\." + name):
        getattr(wd, name)((3, 4, 8), chunks=2, rng=g)
    with pytest.raises(ValueError, match="from_array"):
        wd.array(name, (3, 4, 8))
    assert g.position == 0
    # the alternative the message names: same bits
    w = da.from_array(getattr(winit, name)((3, 4, 8), rng=4), chunks=2)
    assert w.compute().tobytes() == getattr(winit, name)((3, 4, 8), rng=4).tobytes()


# ------------------------------------------------------------ the graph

def test_the_graph_is_small_and_holds_no_arrays():
    small = wd.glorot_normal((100, 100), chunks=(10, 10), rng=1)
    big = wd.glorot_normal((100_000, 100_000), chunks=(10_000, 10_000), rng=1)  # 40 GB
    sizes = []
    for x in (small, big):
        graph = dict(x.__dask_graph__())
        assert len(graph) == 100
        sizes.append(len(pickle.dumps(graph)))
    assert sizes[0] < 20_000 and sizes[1] < 20_000  # ~100 bytes a task, not chunk-sized
    # each task alone (as dask.distributed ships it) is small too
    task = next(iter(dict(big.__dask_graph__()).values()))
    assert len(pickle.dumps(task)) < 2_000


def test_names_are_deterministic_and_distinct():
    a = wd.normal((30, 20), chunks=7, rng=1)
    assert a.name == wd.normal((30, 20), chunks=7, rng=1).name
    assert a.name.startswith("winit-normal-")
    others = [wd.normal((30, 20), chunks=7, rng=2), wd.normal((30, 20), chunks=8, rng=1),
              wd.normal((30, 20), chunks=7, rng=1, std=2.0),
              wd.normal((30, 20), chunks=7, rng=1, dtype="float64"),
              wd.uniform((30, 20), chunks=7, rng=1)]
    assert len({a.name} | {o.name for o in others}) == 6
    g = winit.Generator(1)
    assert wd.normal((30, 20), chunks=7, rng=g).name == a.name  # stream 0 of seed 1
    assert wd.normal((30, 20), chunks=7, rng=g).name != a.name  # stream 1


def test_block_regions_tile_the_tensor():
    shape, chunks = (10, 7, 3), (4, 3, 3)
    regs = wd.block_regions(shape, chunks)
    x = wd.kaiming_uniform(shape, chunks=chunks, rng=2)
    assert len(regs) == x.npartitions
    whole = winit.kaiming_uniform(shape, rng=2)
    covered = np.zeros(shape, int)
    for blk, reg in zip(np.ndindex(*x.numblocks), regs):
        covered[reg] += 1
        assert x.blocks[blk].compute().tobytes() == np.ascontiguousarray(whole[reg]).tobytes()
        assert winit.kaiming_uniform(shape, rng=2, region=reg).tobytes() == \
            np.ascontiguousarray(whole[reg]).tobytes()
    assert (covered == 1).all()


def test_sparse_init_auto_chunks_keep_the_positions_axis_whole():
    assert wd.sparse_init((5000, 3000), sparsity=0.1, rng=1).chunks[1] == (3000,)
    assert wd.sparse_init((3000, 5000), sparsity=0.1, layout="torch", rng=1).chunks[0] == (3000,)
    x = wd.sparse_init((300, 200), sparsity=0.1, rng=1, chunks=(50, 60))  # explicit: as given
    assert x.chunks == ((50,) * 6, (60, 60, 60, 20))


def test_initializer_objects_and_generic_array():
    init = winit.kaiming_uniform(gain=2.0, layout="torch", dtype="float64", rng=4)
    x = wd.array(init, (64, 32, 3), chunks=16)
    assert x.dtype == np.float64
    assert x.compute().tobytes() == init((64, 32, 3)).tobytes()
    cfg_init = winit.from_config(init.get_config())
    assert wd.array(cfg_init, (64, 32, 3), chunks=20).compute().tobytes() == \
        init((64, 32, 3)).tobytes()
    # arguments given to array() override the bound ones
    y = wd.array(init, (8, 6), chunks=3, rng=9, dtype="float32", gain=1.0)
    assert y.compute().tobytes() == winit.kaiming_uniform((8, 6), gain=1.0, layout="torch",
                                                          rng=9).tobytes()
    assert wd.array("he_normal", (8, 6), rng=3).compute().tobytes() == \
        winit.he_normal((8, 6), rng=3).tobytes()


def test_dask_operations_on_the_array():
    x = wd.normal((200, 300), chunks=(64, 100), rng=5, dtype="float64")
    whole = winit.normal((200, 300), rng=5, dtype="float64")
    assert np.array_equal(x[17:150:3, 99:201].compute(), whole[17:150:3, 99:201])
    assert np.array_equal(x.rechunk((50, 300)).compute(), whole)
    assert np.isclose(float(x.std().compute()), whole.std())
    with dask.config.set(scheduler="threads"):
        assert np.array_equal(x.T.compute(), whole.T)


def test_to_zarr_round_trip(tmp_path):
    pytest.importorskip("zarr")
    import zarr
    x = wd.truncated_normal((300, 70), chunks=(64, 35), rng=8, std=0.02, lo=-0.04, hi=0.04)
    x.to_zarr(str(tmp_path / "w.zarr"))
    z = zarr.open_array(str(tmp_path / "w.zarr"), mode="r")
    assert z.shape == (300, 70) and z.chunks == (64, 35)
    assert np.asarray(z[:]).tobytes() == winit.truncated_normal(
        (300, 70), rng=8, std=0.02, lo=-0.04, hi=0.04).tobytes()


def test_bfloat16_to_zarr_as_bits(tmp_path):
    """zarr has no bfloat16: the documented way stores the uint16 bits."""
    pytest.importorskip("zarr")
    import ml_dtypes
    import zarr
    x = wd.normal((40, 6), chunks=(16, 6), rng=1, dtype="bfloat16")
    x.view("uint16").to_zarr(str(tmp_path / "b.zarr"))
    back = np.asarray(zarr.open_array(str(tmp_path / "b.zarr"), mode="r")[:])
    assert back.view(ml_dtypes.bfloat16).tobytes() == winit.normal((40, 6), rng=1,
                                                                    dtype="bfloat16").tobytes()
