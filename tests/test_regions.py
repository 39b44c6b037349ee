"""region= (issue 7): a block generated alone equals that slice of the whole tensor,
bit for bit, for every shardable scheme and dtype -- including blocks that split
Box-Muller pairs, Philox blocks and complex (re, im) pairs, blocks of tensors with
more than 2**34 elements (the high word of the block counter), and any fan axes.
Fans always come from the full shape. orthogonal / delta_orthogonal refuse a
partial region with an error that names the alternative."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import winit
from winit._plan import bits

from conftest import DTYPES, NOT_SHARDABLE, SHARDABLE, hypothesis_settings

SETTINGS = hypothesis_settings(80)


def same(part, whole, reg):
    ref = np.array(whole[reg], copy=True)  # (np.ascontiguousarray would make a 0-d slice 1-d)
    return part.shape == ref.shape and part.dtype == ref.dtype and part.tobytes() == ref.tobytes()


def test_the_shardable_set():
    """Every scheme but the two QR-based ones is shardable (docs/scale-out.md lists them)."""
    assert NOT_SHARDABLE == ["delta_orthogonal", "orthogonal"]
    assert len(SHARDABLE) == len(winit.SCHEMES) - 2


# ------------------------------------------------------------ splitting pairs and blocks

ELEMENTWISE = [
    ("uniform", {"low": -1.0, "high": 3.0}),
    ("normal", {"mean": 0.5, "std": 2.0}),
    ("truncated_normal", {"lo": -1.0, "hi": 1.0}),
    ("glorot_normal", {"distribution": "truncated_normal"}),
    ("variance_scaling", {"distribution": "uniform", "mode": "fan_out"}),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, params", ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
def test_every_1d_region_of_the_first_blocks(name, params, dtype):
    """All 1-D regions [a, b) of the first 13 elements: every way of cutting a Philox
    block (4 float32 / 2 float64 values), a Box-Muller pair or a complex value's
    (re, im) pair (which is 2 float values, so complex cuts are at float pair
    boundaries)."""
    fn = getattr(winit, name)
    shape = (13,) if not name.startswith(("glorot", "variance")) else (1, 13)
    whole = fn(shape, rng=5, dtype=dtype, **params)
    for a in range(14):
        for b in range(a, 14):
            reg = (slice(a, b),) if len(shape) == 1 else (slice(None), slice(a, b))
            assert same(fn(shape, rng=5, dtype=dtype, region=reg, **params), whole, reg), (a, b)


@pytest.mark.parametrize("dtype", DTYPES)
def test_rows_that_start_inside_a_block(dtype):
    """Odd row lengths: each row of a 2-D region starts at a different offset inside a
    Philox block and a Box-Muller pair."""
    shape = (11, 7)
    whole = winit.normal(shape, rng=8, dtype=dtype)
    for r0, r1, c0, c1 in [(1, 10, 1, 6), (0, 11, 3, 4), (2, 9, 0, 7), (5, 6, 6, 7)]:
        reg = (slice(r0, r1), slice(c0, c1))
        assert same(winit.normal(shape, rng=8, dtype=dtype, region=reg), whole, reg)


# ------------------------------------------------------------ big tensors (block index > 2**32)

BIG = (1 << 18, 1 << 17)  # 2**35 elements: float32 block index up to 2**33
BIG_REG = (slice(BIG[0] - 2, BIG[0]), slice(BIG[1] - 9, BIG[1]))


def _flat(reg):
    r = np.arange(reg[0].start, reg[0].stop, dtype=np.uint64)[:, None]
    c = np.arange(reg[1].start, reg[1].stop, dtype=np.uint64)[None, :]
    return r * np.uint64(BIG[1]) + c


def _words(block, key):
    ctr = np.stack([block & np.uint64(0xFFFFFFFF), block >> np.uint64(32),
                    np.zeros_like(block), np.zeros_like(block)], -1).astype(np.uint32)
    return winit.philox4x32(ctr, np.array(key, np.uint32)).astype(np.uint64)


def test_region_of_a_tensor_beyond_2_34_elements_follows_the_counter_layout():
    """The last elements of a 2**35-element tensor (never allocated): raw words and
    uniforms equal the frozen counter layout of docs/reproducibility.md computed from
    Philox4x32 directly -- block counters above 2**32 included."""
    key = winit.Generator(3).key
    i = _flat(BIG_REG)
    assert int(i.max() // 4) >> 32 == 1  # the high word of the block counter is used
    w = _words(i // np.uint64(4), key)
    word = np.take_along_axis(w, (i % np.uint64(4)).astype(np.intp)[..., None], -1)[..., 0]
    assert (bits(BIG, rng=3, region=BIG_REG) == word).all()
    u32 = winit.uniform(BIG, rng=3, region=BIG_REG)
    assert (u32 == ((word >> np.uint64(8)).astype(np.float64) * 2.0**-24).astype(np.float32)).all()
    w2 = _words(i // np.uint64(2), key)
    j = (i % np.uint64(2)).astype(np.intp)[..., None]
    lo = np.take_along_axis(w2, 2 * j, -1)[..., 0]
    hi = np.take_along_axis(w2, 2 * j + 1, -1)[..., 0]
    k53 = (hi >> np.uint64(10)) * np.uint64(1 << 31) + (lo >> np.uint64(1))
    assert (winit.uniform(BIG, rng=3, dtype="float64", region=BIG_REG) ==
            k53.astype(np.float64) * 2.0**-53).all()


@pytest.mark.parametrize("name, dtype", [("normal", "float32"), ("truncated_normal", "float64"),
                                         ("glorot_normal", "complex64"),
                                         ("glorot_uniform", "bfloat16")])
def test_overlapping_regions_of_a_huge_tensor_agree(name, dtype):
    fn = getattr(winit, name)
    n0, n1 = BIG
    a = fn(BIG, rng=3, dtype=dtype, region=(slice(n0 - 3, n0), slice(n1 - 13, n1 - 1)))
    b = fn(BIG, rng=3, dtype=dtype, region=(slice(n0 - 2, n0), slice(n1 - 10, n1)))
    assert a[1:, 3:].tobytes() == np.ascontiguousarray(b[:, :-1]).tobytes()


# ------------------------------------------------------------ fans come from the full shape

@pytest.mark.parametrize("layout", [None, "torch"])
def test_region_uses_the_fans_of_the_full_shape(layout):
    shape = (300, 20) if layout is None else (20, 300)
    fan_in, fan_out = winit.compute_fans(shape, layout=layout)
    assert {fan_in, fan_out} == {300, 20}
    lim = math.sqrt(3.0 * (1.0 / ((fan_in + fan_out) / 2)))  # the catalog's arithmetic
    assert lim != math.sqrt(3.0 * (1.0 / ((2 + 3) / 2)))  # the block's own fans differ
    reg = (slice(0, 2), slice(0, 3))
    part = winit.glorot_uniform(shape, rng=1, layout=layout, region=reg, dtype="float64")
    assert part.tobytes() == winit.uniform(shape, -lim, lim, rng=1, region=reg,
                                           dtype="float64").tobytes()
    std = math.sqrt(math.sqrt(2.0) ** 2 / fan_in)  # kaiming_normal: fan_in, gain sqrt(2)
    part = winit.kaiming_normal(shape, rng=1, layout=layout, region=reg, dtype="float64")
    assert part.tobytes() == winit.normal(shape, 0.0, std, rng=1, region=reg,
                                          dtype="float64").tobytes()


# ------------------------------------------------------------ property test: every scheme

AXES = [{}, {"layout": "torch"}, {"in_axis": 0, "out_axis": -1}, {"in_axis": -1, "out_axis": 0}]


@st.composite
def region_calls(draw):
    name = draw(st.sampled_from(SHARDABLE))
    spec = winit.SCHEMES[name]
    dtype = draw(st.sampled_from(DTYPES))
    params = {}
    lo_rank = 1
    if name == "sparse_init":
        params["sparsity"] = draw(st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0]))
        lo_rank = hi_rank = 2
    else:
        hi_rank = 4
    if name == "dirac":
        lo_rank = 3
    if name == "truncated_normal":
        lo = draw(st.sampled_from([-2.0, -0.5, -math.inf, 0.3]))
        params.update(lo=lo, hi=-lo if dtype.startswith("complex") or lo < 0 else 1.7)
    if name == "identity_init" and draw(st.booleans()):
        params["shift"] = draw(st.integers(-3, 3))
    if name == "constant":
        params["value"] = draw(st.sampled_from([0.0, -1.5, 3]))
    rank = draw(st.integers(lo_rank, hi_rank))
    shape = tuple(draw(st.lists(st.integers(1, 9), min_size=rank, max_size=rank)))
    axes = draw(st.sampled_from(AXES)) if spec.axes and rank >= 2 else {}
    reg = []
    for n in shape:
        a = draw(st.integers(0, n))
        reg.append(slice(a, draw(st.integers(a, n))))
    reg = tuple(reg[:draw(st.integers(0, rank))])  # missing trailing axes mean whole axes
    return name, {**params, **axes}, shape, reg, dtype


@SETTINGS
@given(region_calls())
def test_random_regions_equal_the_slice_of_the_whole(call):
    name, params, shape, reg, dtype = call
    fn = getattr(winit, name)
    try:
        whole = fn(shape, rng=winit.Generator(21), dtype=dtype, **params)
    except ValueError:  # a documented structural refusal (dirac groups, ...): same for a block
        with pytest.raises(ValueError):
            fn(shape, rng=21, dtype=dtype, region=reg, **params)
        return
    part = fn(shape, rng=winit.Generator(21), dtype=dtype, region=reg, **params)
    assert same(part, whole, reg)


@SETTINGS
@given(st.integers(1, 40), st.integers(1, 40), st.sampled_from([0.0, 0.2, 0.5, 0.97]),
       st.sampled_from([None, "torch"]), st.data())
def test_sparse_init_row_and_column_blocks(n0, n1, sparsity, layout, data):
    """Any row/column block of sparse_init equals the slice, and the whole keeps
    exactly ceil(sparsity * fan_out) zeros per input unit."""
    shape = (n0, n1)
    whole = winit.sparse_init(shape, sparsity=sparsity, layout=layout, rng=6)
    u_ax = 1 if layout == "torch" else 0
    k = winit._structured.n_zeros(sparsity, shape[1 - u_ax])
    assert ((whole == 0).sum(axis=1 - u_ax) == k).all()
    a0 = data.draw(st.integers(0, n0))
    a1 = data.draw(st.integers(0, n1))
    reg = (slice(a0, data.draw(st.integers(a0, n0))), slice(a1, data.draw(st.integers(a1, n1))))
    assert same(winit.sparse_init(shape, sparsity=sparsity, layout=layout, rng=6, region=reg),
                whole, reg)


def test_region_into_out():
    for dtype in DTYPES:
        whole = winit.glorot_normal((6, 10), rng=2, dtype=dtype)
        out = np.empty((3, 7), dtype if dtype != "bfloat16" else whole.dtype)
        reg = (slice(2, 5), slice(3, 10))
        r = winit.glorot_normal((6, 10), rng=2, dtype=dtype, region=reg, out=out)
        assert r is out and same(out, whole, reg)


# ------------------------------------------------------------ not shardable

@pytest.mark.parametrize("name", NOT_SHARDABLE)
def test_not_shardable_schemes_refuse_a_block_and_name_the_alternative(name):
    fn = getattr(winit, name)
    g = winit.Generator(0)
    with pytest.raises(ValueError, match=r"`region` is not supported by .*QR.*Generate the full "
                                         r"tensor and slice it"):
        fn((3, 4, 6), rng=g, region=(slice(0, 1),))
    assert g.position == 0  # refused before a stream was taken
    assert "not supported" in fn.__doc__
    whole = fn((3, 4, 6), rng=1)
    assert same(fn((3, 4, 6), rng=1, region=(slice(0, 3), slice(None))), whole, ())


# ------------------------------------------------------------ out= of any strides

def _strided_views(shape, dtype, rng):
    """Writeable views of `shape` whose memory order is not C order: a transposed
    array, a slice of a larger one (stepped rows and columns), reversed axes."""
    n = len(shape)
    t = np.empty(shape[::-1], dtype).transpose(*range(n - 1, -1, -1))
    big = np.empty(tuple(2 * d + 3 for d in shape), dtype)
    sl = big[tuple(slice(1, 1 + 2 * d, 2) for d in shape)]
    rev = np.empty(shape, dtype)[(slice(None, None, -1),) * n]
    return {"transposed": t, "stepped slice": sl, "reversed": rev}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(winit.SCHEMES))
def test_out_of_any_strides_is_filled_in_place_with_the_same_bits(name, dtype):
    spec = winit.get_scheme(name)
    if np.dtype(dtype) not in spec.dtypes and dtype not in [str(d) for d in spec.dtypes]:
        pytest.skip(f"{name} does not take {dtype}")
    kw = {"sparsity": 0.4} if name == "sparse_init" else {}
    shape = (5, 7) if name == "sparse_init" else (6, 4, 5) if name in (
        "dirac", "delta_orthogonal") else (7, 9)
    want = spec.fn(shape, rng=3, dtype=dtype, **kw)
    for label, view in _strided_views(shape, np.dtype(want.dtype), 0).items():
        got = spec.fn(shape, rng=3, dtype=dtype, out=view, **kw)
        assert got is view, label
        assert np.array_equal(np.ascontiguousarray(view).view(np.uint8),
                              want.view(np.uint8)), label


@pytest.mark.parametrize("dtype", ["float32", "float16", "complex64"])
def test_region_into_a_strided_out(dtype):
    full = (40, 30)
    reg = (slice(3, 25), slice(7, 29))
    whole = winit.normal(full, rng=8, dtype=dtype)
    view = np.empty((22, 22), dtype).T
    winit.normal(full, rng=8, dtype=dtype, region=reg, out=view)
    assert same(np.ascontiguousarray(view), whole, reg)
