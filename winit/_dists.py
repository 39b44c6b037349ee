"""The base distributions over the C core: uniform, normal, truncated normal,
and the raw-word fill the structured schemes use. Every other scheme is built on
``generate``: validate -> take a stream -> one fill call."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _validate as V
from ._core import _core
from ._generator import as_generator

_DT_CODE = {np.dtype(np.float32): _core.DT_FLOAT32, np.dtype(np.float64): _core.DT_FLOAT64,
            np.dtype(np.float16): _core.DT_FLOAT16, V.BFLOAT16: _core.DT_BFLOAT16,
            np.dtype(np.uint32): _core.DT_UINT32}

PURPOSE_VALUES = 0
PURPOSE_SPARSE = 1  # element.h WINIT_PURPOSE_SPARSE


def rows(full: tuple[int, ...], reg: tuple[tuple[int, int], ...] | None
         ) -> tuple[tuple[int, ...], np.ndarray[Any, Any], int]:
    """(region shape, flat start of each row of the region, row length) for a C-order
    tensor of shape ``full``; a row is the region's extent along the last axis."""
    if not full:
        full, reg = (1,), None if reg is None else ((0, 1),)
    if reg is None:
        reg = tuple((0, n) for n in full)
    rshape = tuple(b - a for a, b in reg)
    strides = [1] * len(full)
    for d in range(len(full) - 2, -1, -1):
        strides[d] = strides[d + 1] * full[d + 1]
    if math.prod(rshape) == 0:
        return rshape, np.zeros(0, np.uint64), 0
    if reg == tuple((0, n) for n in full):  # whole tensor: one run
        return rshape, np.zeros(1, np.uint64), math.prod(full)
    start = np.uint64(reg[-1][0])
    starts = np.full((), start, np.uint64)
    for d in range(len(full) - 1):
        a, b = reg[d]
        idx = np.arange(a, b, dtype=np.uint64) * np.uint64(strides[d])
        starts = np.add.outer(starts, idx)
    return rshape, starts.reshape(-1), rshape[-1]


def generate(dist: int, params: tuple[Any, ...], shape: Any, dtype: Any, rng: Any, out: Any,
             region: Any, *, purpose: int = PURPOSE_VALUES,
             allowed: tuple[np.dtype[Any], ...] = V.REAL_DTYPES, device: str = "cpu",
             stream: int | None = None) -> Any:
    """Validate shape/dtype/region/out, take a stream, fill. ``params`` as _core.fill.

    ``stream``: use this stream id of ``rng`` instead of taking the next one (a scheme
    that draws several substreams -- values and ``purpose`` words -- of one call)."""
    full = V.shape(shape)
    dt = V.dtype(dtype, allowed)
    reg = V.region(region, full)
    rshape, starts, row_len = rows(full, reg)
    if not full:
        rshape = ()
    if dist in (_core.DIST_UNIFORM, _core.DIST_NORMAL):
        _check_affine(dist, params, dt)
    gpu = None
    if device != "cpu":  # GPU hook (winit/_cuda.py): checks device and `out`, then raises
        from . import _cuda  # CudaUnavailableError if no GPU; same stream and params below
        gpu = _cuda.Target(device, out, rshape, dt)
    elif out is not None:
        arr = V.out_array(out, rshape, dt)
    else:
        V.allocatable(rshape, dt)
        arr = np.empty(rshape, dt)  # before the stream: a failed allocation takes none
    g = as_generator(rng)
    stream = (g.stream() if stream is None else stream) | (purpose << 56)
    if gpu is not None:
        return gpu.fill(dist, _DT_CODE[dt], g.key, stream, params, starts, row_len)
    _core.fill(arr, dist, _DT_CODE[dt], g.key, stream, params, starts, row_len)
    return arr


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _check_affine(dist: int, params: tuple[Any, ...], dt: np.dtype[Any]) -> None:
    """loc + scale * x is computed in float32 for the float32 family: both must be
    finite there (uniform's scale is high - low, which can overflow when both are finite)."""
    loc, scale = params
    limit = float(np.finfo(np.float64).max) if dt == np.float64 else _FLOAT32_MAX
    if abs(loc) <= limit and abs(scale) <= limit:
        return
    calc = "float64" if dt == np.float64 else "float32"
    if dist == _core.DIST_UNIFORM:
        raise ValueError(f"Arguments `low` and `high` must be finite in {calc} with a finite "
                         f"range high - low. Received: low={loc!r}, high - low={scale!r}")
    raise ValueError(f"Arguments `mean` and `std` must be finite in {calc}. "
                     f"Received: mean={loc!r}, std={scale!r}")


def uniform(shape: Any, low: float = 0.0, high: float = 1.0, *, dtype: Any = "float32",
            rng: Any = None, out: np.ndarray[Any, Any] | None = None, region: Any = None,
            device: str = "cpu") -> Any:
    """Uniform on [low, high): ``low + (high - low) * u`` with u a multiple of 2^-24
    (float32 family) or 2^-53 (float64), one rounding."""
    low = V.real(low, "low")
    high = V.real(high, "high")
    if not low <= high:
        raise ValueError(f"Argument `low` must be <= `high`. Received: low={low}, high={high}")
    return generate(_core.DIST_UNIFORM, (low, high - low), shape, dtype, rng, out, region,
                    device=device)


def normal(shape: Any, mean: float = 0.0, std: float = 1.0, *, dtype: Any = "float32",
           rng: Any = None, out: np.ndarray[Any, Any] | None = None, region: Any = None,
           device: str = "cpu") -> Any:
    """Normal N(mean, std^2) by Box-Muller: ``mean + std * z``."""
    mean = V.real(mean, "mean")
    std = V.real(std, "std", min_value=0.0)
    return generate(_core.DIST_NORMAL, (mean, std), shape, dtype, rng, out, region,
                    device=device)


def truncnorm_params(mean: Any, std: Any, lo: Any, hi: Any, bounds: str) -> tuple[Any, ...]:
    """Validated (a, b, loc, scale, lo_abs, hi_abs): a, b standardised bounds."""
    mean = V.real(mean, "mean")
    std = V.real(std, "std", min_value=0.0, strict_min=True)
    lo = V.real(lo, "lo", allow_inf=True)
    hi = V.real(hi, "hi", allow_inf=True)
    V.choice(bounds, "bounds", ("absolute", "std"))
    if not lo < hi:
        raise ValueError(f"Argument `lo` must be < `hi`. Received: lo={lo}, hi={hi}")
    if bounds == "std":
        a, b = lo, hi
        lo_abs, hi_abs = mean + std * lo, mean + std * hi
    else:
        a, b = (lo - mean) / std, (hi - mean) / std
        lo_abs, hi_abs = lo, hi
    for v, name in ((a, "lo"), (b, "hi")):
        if math.isfinite(v) and abs(v) > TRUNCNORM_MAX_SIGMA:
            raise ValueError(f"Argument `{name}` is {abs(v):.3g} standard deviations from `mean`; "
                             f"truncated_normal supports bounds within {TRUNCNORM_MAX_SIGMA:g} "
                             f"std (or infinite). Received: {name}={lo if name == 'lo' else hi!r}")
    return (a, b, mean, std, lo_abs, hi_abs)


# log Phi(b) ~ -b^2/2 must stay finite in float64 (the far-tail constants)
TRUNCNORM_MAX_SIGMA = 1e150


def truncated_normal(shape: Any, mean: float = 0.0, std: float = 1.0, lo: float = -2.0,
                     hi: float = 2.0, *, bounds: str = "absolute", dtype: Any = "float32",
                     rng: Any = None, out: np.ndarray[Any, Any] | None = None, region: Any = None,
                     device: str = "cpu") -> Any:
    """Normal N(mean, std^2) restricted to [lo, hi], by inverse CDF: one uniform per
    value, exact in the far tails, no clamping and no rejection.

    ``bounds="std"`` reads lo/hi in units of std around mean (as JAX/Keras)."""
    params = truncnorm_params(mean, std, lo, hi, bounds)
    return generate(_core.DIST_TRUNCNORM, params, shape, dtype, rng, out, region,
                    device=device)


def bits(shape: Any, *, rng: Any = None, out: np.ndarray[Any, Any] | None = None, region: Any = None,
         purpose: int = PURPOSE_VALUES, stream: int | None = None) -> np.ndarray[Any, Any]:
    """Raw Philox words as uint32 (element i = word i % 4 of block i // 4)."""
    words: np.ndarray[Any, Any] = generate(
        _core.DIST_BITS, (), shape, np.uint32, rng, out, region, purpose=purpose,
        allowed=(np.dtype(np.uint32),), stream=stream)
    return words
