"""Property tests (hypothesis) over the whole scheme registry: random shapes, dtypes
and parameters never crash (a result of the right shape and dtype, or a documented
ValueError/TypeError that takes no stream); invalid parameters raise the error naming
the parameter; random regions equal the slice of the whole."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import winit
from winit._registry import REQUIRED

from conftest import DTYPES as INEXACT
from conftest import SHARDABLE, hypothesis_settings

SETTINGS = hypothesis_settings(60)
NAMES = sorted(winit.SCHEMES)
DTYPES = INEXACT + ["int32", "uint8", "bool"]

finite = st.floats(-10, 10, allow_nan=False)
nonneg = st.floats(0, 10, allow_nan=False)
VALID = {
    "gain": nonneg, "scale": nonneg, "std": st.floats(0.01, 10), "mean": finite,
    "low": finite, "high": finite,
    "lo": st.one_of(finite, st.just(-math.inf)), "hi": st.one_of(finite, st.just(math.inf)),
    "sparsity": st.floats(0, 1), "groups": st.integers(1, 4),
    "shift": st.one_of(st.integers(-5, 5), st.tuples(st.integers(-3, 3), st.integers(-3, 3))),
    "value": st.one_of(finite, st.integers(-3, 3)),
}
INVALID = {  # (value, exception)
    "gain": [(-1.0, ValueError), (math.nan, ValueError), (math.inf, ValueError), ("1", TypeError),
             (True, TypeError)],
    "scale": [(-0.5, ValueError), (math.nan, ValueError), (None, TypeError)],
    "std": [(-1.0, ValueError), (math.nan, ValueError), ([1.0], TypeError)],
    "mean": [(math.nan, ValueError), (math.inf, ValueError), ("0", TypeError)],
    "low": [(math.nan, ValueError)], "high": [(math.inf, ValueError)],
    "lo": [(math.nan, ValueError)], "hi": [(math.nan, ValueError)],
    "sparsity": [(1.5, ValueError), (-0.1, ValueError), (2, ValueError), (math.nan, ValueError)],
    "groups": [(0, ValueError), (1.0, TypeError), (-2, ValueError)],
    "shift": [(1.5, TypeError), ("1", TypeError)],
    "mode": [("fan", ValueError), (None, ValueError)],
    "distribution": [("gaussian", ValueError), (1, ValueError)],
    "bounds": [("sigma", ValueError)],
    "value": [(math.nan, ValueError), ("x", TypeError)],
}


def param_strategy(p):
    if p.name in VALID:
        return VALID[p.name]
    return st.sampled_from(p.check.options)  # a choice parameter


@st.composite
def calls(draw):
    name = draw(st.sampled_from(NAMES))
    spec = winit.SCHEMES[name]
    params = {p.name: draw(param_strategy(p)) for p in spec.params
              if p.required or draw(st.booleans())}
    shape = tuple(draw(st.lists(st.integers(0, 6), max_size=4)))
    kw = {"dtype": draw(st.sampled_from(DTYPES))}
    if spec.axes and len(shape) >= 2 and draw(st.booleans()):
        kw["layout"] = draw(st.sampled_from([None, "keras", "torch"]))
    return name, params, shape, kw


@SETTINGS
@given(calls())
def test_random_calls_never_crash(call):
    name, params, shape, kw = call
    fn = getattr(winit, name)
    g = winit.Generator(3)
    try:
        w = fn(shape, rng=g, **params, **kw)
    except (ValueError, TypeError) as e:
        assert str(e)
        assert g.position == 0, "a failed call takes no stream"
        return
    assert isinstance(w, np.ndarray) and w.shape == shape
    assert w.dtype == winit._validate.dtype(kw["dtype"], winit._registry.ANY_DTYPES)
    assert g.position == (1 if winit.SCHEMES[name].random else 0)
    if w.size and w.dtype.kind in "fc" and all(math.isfinite(abs(v)) for v in params.values()
                                                 if isinstance(v, float)):
        assert not np.isnan(w).any()
    again = fn(shape, rng=3, **params, **kw)
    assert again.tobytes() == w.tobytes()
    # the same call through an initializer object and its JSON config
    init = winit.from_config(fn(**params, **kw).get_config())
    assert init(shape, rng=3).tobytes() == w.tobytes()


@st.composite
def invalid_calls(draw):
    name = draw(st.sampled_from([n for n in NAMES if winit.SCHEMES[n].params]))
    spec = winit.SCHEMES[name]
    bad = draw(st.sampled_from(spec.params))
    cases = INVALID[bad.name]
    if name == "identity_init":  # any finite gain is an identity (negative: flipped)
        cases = [c for c in cases if c[0] != -1.0]
    value, exc = draw(st.sampled_from(cases))
    params = {p.name: 0.5 for p in spec.params if p.required}
    params[bad.name] = value
    return name, bad.name, value, exc, params


@SETTINGS
@given(invalid_calls(), st.booleans())
def test_invalid_params_raise_the_documented_error(call, as_initializer):
    name, pname, value, exc, params = call
    fn = getattr(winit, name)
    g = winit.Generator(0)
    with pytest.raises(exc, match=f"`{pname}`"):
        if as_initializer:
            winit.from_config({"scheme": name, **params})
        else:
            fn((4, 6, 5) if name != "sparse_init" else (4, 6), rng=g, **params)
    assert g.position == 0




@st.composite
def region_calls(draw):
    name = draw(st.sampled_from(SHARDABLE))
    spec = winit.SCHEMES[name]
    params = {p.name: draw(param_strategy(p)) for p in spec.params if p.required}
    rank = 2 if name == "sparse_init" else draw(st.integers(3 if name == "dirac" else 1, 4))
    shape = tuple(draw(st.lists(st.integers(1, 9), min_size=rank, max_size=rank)))
    region = []
    for n in shape[:draw(st.integers(0, rank))]:
        a = draw(st.integers(0, n))
        region.append(slice(a, draw(st.integers(a, n))))
    dtype = draw(st.sampled_from(["float32", "float64", "bfloat16", "complex64", "complex128"]))
    if name in ("dirac",):
        params["groups"] = 1
    if name in ("uniform",) and draw(st.booleans()):
        params.update(low=-1.0, high=2.0)
    return name, params, shape, tuple(region), dtype


@SETTINGS
@given(region_calls())
def test_random_regions_equal_the_slice(call):
    name, params, shape, region, dtype = call
    fn = getattr(winit, name)
    whole = fn(shape, rng=9, dtype=dtype, **params)
    part = fn(shape, rng=9, dtype=dtype, region=region, **params)
    assert part.tobytes() == np.ascontiguousarray(whole[region]).tobytes()


def test_registry_strategies_cover_every_parameter():
    """A new scheme parameter must get strategies here (or this file misses it)."""
    for spec in winit.SCHEMES.values():
        for p in spec.params:
            assert p.name in INVALID, p.name
            assert p.name in VALID or hasattr(p.check, "options"), p.name
            assert p.required == (p.default is REQUIRED)
