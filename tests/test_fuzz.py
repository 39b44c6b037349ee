"""Property-based fuzzing of the public API (hypothesis): random shapes, dtypes,
parameters, regions, out= buffers and rng arguments. Every call either returns a
valid result (right shape and dtype, values in the support, region equal to the
slice of the whole, out= filled in place, exactly one stream taken) or raises the
documented ValueError / TypeError / MemoryError (and takes no stream). Nothing else:
no other exception, no crash, no NaN from finite parameters.

WINIT_FUZZ_EXAMPLES=N raises the examples per test (default 40; docs/reliability.md
records the long runs). Schemes of the registry (winit.SCHEMES), when present, are fuzzed by the
same machinery (see SCHEMES)."""
import math
import os

import ml_dtypes
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import winit
from winit._plan import bits

EXAMPLES = int(os.environ.get("WINIT_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get(
    "WINIT_FUZZ_RANDOM"), suppress_health_check=list(HealthCheck), database=None)
DOCUMENTED = (ValueError, TypeError, MemoryError)
from conftest import REAL
COMPUTE = {"float32": np.float32, "float16": np.float32, "bfloat16": np.float32,
           "float64": np.float64}

# ---------------------------------------------------------------- strategies

dims = st.integers(0, 6)
good_shapes = st.one_of(st.tuples(), st.lists(dims, min_size=1, max_size=4).map(tuple),
                        dims, st.lists(dims, max_size=3).map(lambda l: np.array(l, np.int64)))
bad_shapes = st.one_of(
    st.lists(st.integers(-3, 3), min_size=1, max_size=3).map(tuple),
    st.tuples(st.floats(allow_nan=True), st.integers(0, 3)),
    st.sampled_from(["ab", None, (True, 2), (2**70,), (2**40, 2**40), (2**36, 2**10), 1.5,
                     (np.float64(2.0),), [[2]], b"\x02", {2: 3}, object()]),
)
shapes = st.one_of(good_shapes, bad_shapes)
dtypes = st.one_of(st.sampled_from(REAL), st.sampled_from(
    [np.float32, np.float64, np.float16, ml_dtypes.bfloat16, "BFLOAT16", "int32", bool, None,
     "complex64", "complex128", object, "foo", np.dtype("float32").newbyteorder(">"), 3, "f4",
     "uint32"]))
finite = st.floats(allow_nan=False, allow_infinity=False)
reals = st.one_of(finite, st.floats(-1e3, 1e3), st.floats(1e-40, 1e-3), st.integers(-10**20, 10**20),
                  st.sampled_from([0.0, -0.0, 1.0, float("nan"), float("inf"), -float("inf"),
                                   1e308, -1e308, 5e-324, 1e39, True, "1", None, np.float32(2),
                                   np.int8(-3), np.float16(0.5), 1 + 1j, [1.0]]))


def slices_for(shape):
    def one(n):
        return st.one_of(st.builds(lambda a, b: slice(min(a, b), max(a, b)),
                                   st.integers(0, n), st.integers(0, n)),
                         st.just(slice(None)), st.just(slice(None, None, 1)))
    return st.tuples(*[one(n) for n in shape])


@st.composite
def regions(draw, shape):
    kind = draw(st.integers(0, 9))
    if kind <= 3 or not isinstance(shape, tuple) or not all(
            type(d) is int and 0 <= d <= 64 for d in shape):
        return None
    if kind <= 7 and shape:
        reg = draw(slices_for(shape))
        cut = draw(st.integers(0, len(reg)))
        return reg[:cut] if kind == 7 else reg
    return draw(st.sampled_from([slice(0, 1), (slice(0, 99),), (slice(1, 0),), (1,),
                                 (slice(0, 2, 2),), [slice(0, 1)], (slice(None),) * 5,
                                 (slice(0.5, 1),), (slice(-1, None),)]))


rngs = st.one_of(st.integers(0, 2**130), st.builds(winit.Generator, st.integers(0, 2**70)),
                 st.sampled_from([None, -1, 1.5, "7", True, np.int64(3), np.uint8(4),
                                  np.random.default_rng(0)]))


def region_shape(shape, reg):
    full = tuple(shape if not isinstance(shape, (int, np.integer)) else (shape,))
    if not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in full):
        raise TypeError("not a shape")
    full = tuple(int(d) for d in full)
    if reg is None:
        return full
    if isinstance(reg, slice):
        reg = (reg,)
    out = []
    for d, n in enumerate(full):
        s = reg[d] if d < len(reg) else slice(None)
        a, b, _ = s.indices(n)
        out.append(max(0, b - a))
    return tuple(out)


def rounded(x, dtype):
    """x (Python float) rounded to the compute dtype, then to the output dtype."""
    with np.errstate(over="ignore"):
        return np.asarray(COMPUTE[dtype](x)).astype(winit._validate.dtype(dtype, winit._validate.REAL_DTYPES))


def in_range(dtype, *vals):
    """All |vals| well inside the compute dtype's finite range."""
    m = float(np.finfo(COMPUTE[dtype]).max)
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
               and abs(v) < m / 16 for v in vals)


# ---------------------------------------------------------------- the checker

def check_call(fn, shape, kw, region, out_kind, rng, validate_values):
    """Call fn; on success check the result thoroughly, else the exception type."""
    g = rng if isinstance(rng, winit.Generator) else None
    pos = g.position if g is not None else None
    out = None
    try:
        want = region_shape(shape, region)
    except Exception:
        want = None
    if want is not None and not all(type(d) is int and d >= 0 for d in want):
        want = None
    if (out_kind and want is not None and math.prod(want) <= 1 << 16
            and isinstance(kw.get("dtype"), str) and kw["dtype"] in REAL):
        dt = winit._validate.dtype(kw["dtype"], winit._validate.REAL_DTYPES)
        out = {"good": lambda: np.full(want, 7, dt),
               "wrong_dtype": lambda: np.zeros(want, np.int32),
               "wrong_shape": lambda: np.zeros(want + (1,), dt),
               "readonly": lambda: np.lib.stride_tricks.as_strided(np.zeros(want, dt)),
               "noncontig": lambda: np.zeros(want + (2,), dt)[..., 0],
               "list": lambda: [0.0]}[out_kind]()
        if out_kind == "readonly":
            out.flags.writeable = False
    try:
        res = fn(shape, **kw, rng=rng, region=region, out=out)
    except DOCUMENTED as e:
        assert str(e), "errors carry a message"
        if isinstance(e, MemoryError):  # only the documented pre-allocation refusal
            assert "GiB" in str(e), f"an allocation failed: {e!r}"
        if g is not None:
            assert g.position == pos, "a failed call must take no stream"
        return None
    # success
    if shape is None:  # no shape: the initializer with the params bound (issue 4)
        assert isinstance(res, winit.Initializer), res
        if g is not None:
            assert g.position == pos, "binding params takes no stream"
        return None
    assert isinstance(res, np.ndarray)
    assert res.shape == region_shape(shape, region), (res.shape, want)
    # uniform/normal/truncated_normal accept complex dtypes too (the scheme catalog, issue 4)
    dt = winit._validate.dtype(kw.get("dtype", "float32"),
                               winit._validate.REAL_DTYPES + winit._validate.COMPLEX_DTYPES)
    assert res.dtype == dt
    if out is not None:
        assert res is out and out.flags.writeable  # any strides ("noncontig" too)
        assert out.shape == want and out.dtype == dt
    if g is not None:
        assert g.position == pos + 1
    if validate_values is not None and res.size:
        validate_values(res.astype(np.float64))
    # a region equals the same slice of the whole (same seed, same stream)
    if region is not None and isinstance(rng, int) and not isinstance(rng, bool) \
            and math.prod(region_shape(shape, None)) <= 4096:
        whole = fn(shape, **kw, rng=rng)
        full = region_shape(shape, None)
        reg = region if isinstance(region, tuple) else (region,)
        idx = tuple(reg) + (slice(None),) * (len(full) - len(reg))
        np.testing.assert_array_equal(res.view(np.uint8), np.ascontiguousarray(
            whole[idx] if full else whole).view(np.uint8))
    return res


out_kinds = st.sampled_from([None, None, None, "good", "good", "wrong_dtype", "wrong_shape",
                             "readonly", "noncontig", "list"])


@st.composite
def call_args(draw):
    shape = draw(st.one_of(good_shapes, good_shapes, shapes))
    return shape, draw(regions(shape)), draw(out_kinds), draw(rngs), draw(dtypes)


@FUZZ
@given(call_args(), reals, reals)
def test_fuzz_uniform(args, low, high):
    shape, region, out_kind, rng, dtype = args

    def values(x):
        assert not np.isnan(x).any(), "NaN from finite parameters"
        if in_range(dtype if dtype in COMPUTE else "float16", low, high) and dtype in COMPUTE:
            assert (x >= rounded(low, dtype).astype(np.float64)).all()
            assert (x <= rounded(high, dtype).astype(np.float64)).all()
    validate = values if dtype in COMPUTE and in_range(dtype, low, high) and in_range(
        dtype, float(high) - float(low)) else None
    check_call(winit.uniform, shape, dict(low=low, high=high, dtype=dtype), region, out_kind,
               rng, validate)


@FUZZ
@given(call_args(), reals, reals)
def test_fuzz_normal(args, mean, std):
    shape, region, out_kind, rng, dtype = args

    def values(x):
        assert np.isfinite(x).all() or dtype in ("float16",), "non-finite normal values"
        if std == 0:
            assert (x == rounded(mean, dtype).astype(np.float64)).all()
    validate = values if dtype in COMPUTE and in_range(dtype, mean, 8 * float(std) if
                                                       in_range(dtype, std) else std) else None
    check_call(winit.normal, shape, dict(mean=mean, std=std, dtype=dtype), region, out_kind,
               rng, validate)


bounds_st = st.one_of(reals, st.sampled_from([-np.inf, np.inf, 40.0, -40.0, 1e4, -1e4]))


@FUZZ
@given(call_args(), reals, reals, bounds_st, bounds_st, st.sampled_from(["absolute", "std", "x", 1]))
def test_fuzz_truncated_normal(args, mean, std, lo, hi, bmode):
    shape, region, out_kind, rng, dtype = args

    def values(x):
        assert not np.isnan(x).any(), "NaN from finite parameters"
        if bmode == "absolute":
            l, h = float(lo), float(hi)
        else:
            l, h = float(mean) + float(std) * float(lo), float(mean) + float(std) * float(hi)
        if math.isfinite(l):
            assert (x >= rounded(l, dtype).astype(np.float64)).all()
        if math.isfinite(h):
            assert (x <= rounded(h, dtype).astype(np.float64)).all()
    ok = dtype in COMPUTE and in_range(dtype, mean, std) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lo, hi))
    if ok and bmode == "std":
        ok = in_range(dtype, float(std) * float(lo) if math.isfinite(lo) else 0.0,
                      float(std) * float(hi) if math.isfinite(hi) else 0.0)
    elif ok:
        ok = all(not math.isfinite(v) or in_range(dtype, v) for v in (lo, hi))
    check_call(winit.truncated_normal, shape, dict(mean=mean, std=std, lo=lo, hi=hi, bounds=bmode,
                                                   dtype=dtype), region, out_kind, rng,
               values if ok else None)


@FUZZ
@given(call_args())
def test_fuzz_bits(args):
    shape, region, out_kind, rng, _ = args
    out = None
    try:
        want = region_shape(shape, region)
        if out_kind == "good":
            out = np.zeros(want, np.uint32)
    except Exception:
        pass
    try:
        r = bits(shape, rng=rng, region=region, out=out)
    except DOCUMENTED:
        return
    assert r.dtype == np.uint32 and r.shape == region_shape(shape, region)


# ---------------------------------------------------------------- Generator and philox4x32

seeds = st.one_of(st.integers(-2**70, 2**300), st.sampled_from(
    [None, 1.0, "3", True, b"1", np.int64(-1), np.uint64(2**64 - 1), [1], float("nan")]))


@FUZZ
@given(seeds, st.one_of(st.integers(-3, 40), st.sampled_from([1.0, "2", None, True])),
       st.one_of(st.integers(-5, 2**80), st.text(max_size=30), st.sampled_from(
           [1.5, None, b"x", True, "\ud800", np.int32(5), ("a",)])))
def test_fuzz_generator(seed, n, data):
    try:
        g = winit.Generator(seed)
    except (ValueError, TypeError):
        assert seed is not None
        return
    assert len(g.key) == 2 and all(0 <= k < 2**32 for k in g.key)
    try:
        kids = g.spawn(n)
    except (ValueError, TypeError):
        pass
    else:
        assert len(kids) == n and len({k.key for k in kids} | {g.key}) == n + 1
    try:
        c = g.fold_in(data)
    except (ValueError, TypeError) as e:
        assert isinstance(e, (ValueError, TypeError))
    else:
        assert c.key == g.fold_in(data).key and c.position == 0
        assert c.key != g.key


M0, M1, W0, W1 = 0xD2511F53, 0xCD9E8D57, 0x9E3779B9, 0xBB67AE85


def philox_ref(c, k, rounds):
    c, k = list(c), list(k)
    for r in range(rounds):
        if r:
            k = [(k[0] + W0) & 0xFFFFFFFF, (k[1] + W1) & 0xFFFFFFFF]
        p0, p1 = M0 * c[0], M1 * c[2]
        c = [(p1 >> 32) ^ c[1] ^ k[0], p1 & 0xFFFFFFFF, (p0 >> 32) ^ c[3] ^ k[1], p0 & 0xFFFFFFFF]
    return c


words32 = st.integers(0, 2**32 - 1)


@FUZZ
@given(st.lists(st.tuples(words32, words32, words32, words32), min_size=0, max_size=5),
       st.tuples(words32, words32), st.integers(-2, 18),
       st.sampled_from(["list", "u32", "i64", "u64", "f64", "obj", "bad_last", "neg", "big"]))
def test_fuzz_philox4x32(ctrs, key, rounds, kind):
    c = np.array(ctrs, np.uint64).reshape(-1, 4)
    arg = {"list": lambda: [list(x) for x in ctrs] if ctrs else np.zeros((0, 4), np.uint32),
           "u32": lambda: c.astype(np.uint32), "i64": lambda: c.astype(np.int64),
           "u64": lambda: c, "f64": lambda: c.astype(np.float64),
           "obj": lambda: c.astype(object), "bad_last": lambda: c.reshape(-1, 2),
           "neg": lambda: c.astype(np.int64) - 2**33, "big": lambda: c + np.uint64(2**32)}[kind]()
    try:
        r = winit.philox4x32(arg, np.array(key, np.uint32), rounds)
    except (ValueError, TypeError):
        return
    assert 1 <= rounds <= 16
    assert kind not in ("neg", "big", "f64") or len(ctrs) == 0
    assert r.dtype == np.uint32 and r.shape == (len(ctrs), 4) or kind == "bad_last"
    for i, x in enumerate(ctrs[:3]):
        if kind != "bad_last":
            assert list(r[i]) == philox_ref(x, key, rounds)


@FUZZ
@given(st.lists(st.one_of(st.integers(-3, 5), st.sampled_from([None, 1.5, "2", 2**40, True,
                                                               10**6, np.int64(3)])),
                max_size=4))
def test_fuzz_set_num_threads(ns):
    """Only ints in [0, max_threads()] are taken; anything else is a TypeError (not an
    int) or a ValueError naming `n` -- never an unchecked count handed to OpenMP."""
    ref = winit.normal((40_000,), rng=1)
    cap = winit._core._core.max_threads()
    try:
        for n in ns:
            before = winit.get_num_threads()
            try:
                winit.set_num_threads(n)
            except TypeError:
                assert isinstance(n, bool) or not isinstance(n, (int, np.integer))
                assert winit.get_num_threads() == before
                continue
            except ValueError as e:
                assert not 0 <= n <= cap and "`n`" in str(e)
                assert winit.get_num_threads() == before
                continue
            assert 1 <= winit.get_num_threads() <= cap
            np.testing.assert_array_equal(winit.normal((40_000,), rng=1), ref)
    finally:
        winit.set_num_threads(0)


# ---------------------------------------------------------------- findings pinned as tests

@pytest.mark.parametrize("low, high, dtype", [(-1e39, 1e39, "float32"), (-1e308, 1e308, "float64"),
                                              (-3e38, 3e38, "float32")])
def test_uniform_range_beyond_dtype(low, high, dtype):
    """Found by fuzzing: (high - low) beyond the compute dtype gave NaN/inf; now refused
    (naming low and high: their values, or their range, beyond the dtype)."""
    g = winit.Generator(0)
    with pytest.raises(ValueError, match=r"`low`.*`high`"):
        winit.uniform((1000,), low, high, dtype=dtype, rng=g)
    assert g.position == 0


def test_truncated_normal_huge_standardised_bounds_float32():
    """Found by libFuzzer: float32 constants overflowed (NaN); float32 now computes such
    intervals in float64 (WINIT_TN_WIDE), and bounds beyond 1e150 std are refused."""
    for dt in ("float32", "float64"):
        x = winit.truncated_normal((100,), 0.0, 1.0, 1e30, 1e31, dtype=dt, rng=0)
        assert np.isfinite(x).all() and (x >= 1e30).all() and (x <= 1e31).all()
    with pytest.raises(ValueError, match=r"`hi`.*standard deviations"):
        winit.truncated_normal((100,), 0.0, 1.0, 1.0, 1e200, rng=0)
