"""The plain-fill schemes' samplers: ``(params, plan) -> Sample``, one fill of the C core
(uniform, normal, truncated normal; the variance-scaling family through them) or a
constant. Real dtypes fill the values; complex dtypes fill the interleaved (re, im)
float pairs (a uniform disk, a complex normal, a radially truncated complex normal) and
shift the real part. Everything here is arithmetic on parameters: no allocation."""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _validate as V
from ._core import _core
from ._plan import Sample, fill_of

__all__ = ["uniform", "normal", "truncnorm", "truncnorm_params", "variance", "constant",
           "TRUNC2_STD", "CTRUNC2_STD", "TRUNCNORM_MAX_SIGMA"]

# std of the standard normal truncated to [-2, 2] (Keras, JAX)
TRUNC2_STD = 0.87962566103423978
# sqrt(E|z|^2) of the complex normal with E|z|^2 = 1 truncated to |z| <= 2: |z|^2 is Exp(1)
# truncated at 4, whose mean is 1 - 4 e^-4 / (1 - e^-4). (JAX uses 0.95311164380491208
# here, which leaves its E|w|^2 1.87% above the target variance.)
CTRUNC2_STD = math.sqrt(1.0 - 4.0 * math.exp(-4.0) / -math.expm1(-4.0))
# log Phi(b) ~ -b^2/2 must stay finite in float64 (the far-tail constants)
TRUNCNORM_MAX_SIGMA = 1e150

_FLOAT32_MAX = float(np.finfo(np.float32).max)
_FLOAT64_MAX = float(np.finfo(np.float64).max)


def _complex(dt: np.dtype[Any]) -> bool:
    return dt.kind == "c"


def _pairs_dtype(dt: np.dtype[Any]) -> np.dtype[Any]:
    """The float dtype a fill computes in: the dtype itself, or a complex one's parts."""
    if dt.kind != "c":
        return dt
    return np.dtype(np.float32) if dt == np.complex64 else np.dtype(np.float64)


# the largest finite value of the dtype a fill computes in, per output dtype
_CALC_MAX = {dt: _FLOAT64_MAX if dt.itemsize == 8 and dt.kind == "f" or dt == np.complex128
             else _FLOAT32_MAX for dt in V.REAL_DTYPES + V.COMPLEX_DTYPES}


# Box-Muller's largest |z|: sqrt(-2 log u) at the smallest radius uniform, 2^-24 (float32
# family) or 2^-53 (float64), rounded up
_Z_NORMAL = {4: 5.7682, 8: 8.5717}
_UINT = {2: np.uint16, 4: np.uint32, 8: np.uint64}


def _grid(dt: np.dtype[Any]) -> np.dtype[Any]:
    """The real dtype values are rounded to: ``dt``, or a complex dtype's parts."""
    return _pairs_dtype(dt)


def largest(dt: np.dtype[Any]) -> float:
    """The largest finite value of a real or complex dtype (its parts)."""
    return _LARGEST[dt]


_LARGEST = {dt: float(np.finfo(_pairs_dtype(dt)).max) for dt in V.REAL_DTYPES + V.COMPLEX_DTYPES}


def _step(v: float, g: np.dtype[Any], up: bool) -> float:
    """The neighbour of the ``g`` value ``v`` above (``up``) or below it."""
    if v == 0.0:
        tiny = np.array(1, _UINT[g.itemsize]).view(g)
        return float(tiny) if up else -float(tiny)
    bits = int(np.array(v, g).view(_UINT[g.itemsize]))
    away = (v > 0) == up  # the magnitude grows
    return float(np.array(bits + (1 if away else -1), _UINT[g.itemsize]).view(g))


def round_up(x: float, g: np.dtype[Any]) -> float:
    """The smallest ``g`` value >= x (+-inf beyond its range)."""
    with np.errstate(over="ignore"):
        v = float(np.array(x, np.float64).astype(g))
    return _step(v, g, True) if v < x and math.isfinite(v) else v


def round_down(x: float, g: np.dtype[Any]) -> float:
    """The largest ``g`` value <= x."""
    return -round_up(-x, g)


def _check_range(lo: float, hi: float, dt: np.dtype[Any], what: str) -> None:
    """Every value a fill can give lies in [lo, hi]: it must be finite in ``dt``."""
    big = largest(dt)
    if not (-big <= lo and hi <= big):
        raise ValueError(f"{what}: values would reach [{lo:.6g}, {hi:.6g}], beyond the largest "
                         f"finite {_grid(dt)} value {big:.7g}")


def _check_affine(dist: int, loc: float, scale: float, dt: np.dtype[Any]) -> None:
    """loc + scale * x is computed in float32 for the float32 family: both must be
    finite there (uniform's scale is high - low, which can overflow when both are finite)."""
    limit = _CALC_MAX[dt]
    if abs(loc) <= limit and abs(scale) <= limit:
        return
    calc = "float64" if limit == _FLOAT64_MAX else "float32"
    if dist == _core.DIST_UNIFORM:
        raise ValueError(f"Arguments `low` and `high` must be finite in {calc} with a finite "
                         f"range high - low. Received: low={loc!r}, high - low={scale!r}")
    raise ValueError(f"Arguments `mean` and `std` must be finite in {calc}. "
                     f"Received: mean={loc!r}, std={scale!r}")


def uniform(low: float, high: float, dt: np.dtype[Any], what: str | None = None) -> Sample:
    """Uniform on [low, high) -- in the output dtype: every value is >= low and < high
    after rounding (if low or high is not representable, the nearest values inside);
    low == high gives low (rounded). Complex: uniform on the disk centred at (low+high)/2
    with the same E|w - centre|^2 = (high - low)^2 / 12 (radius (high - low) / sqrt(6)).
    ``what``: who to name in an error (a scheme deriving low and high)."""
    what = f"Arguments `low`={low!r} and `high`={high!r}" if what is None else what
    if _complex(dt):
        r = (high - low) / math.sqrt(6.0)
        c = (low + high) / 2
        _check_range(min(c - r, -r), max(c + r, r), dt, what)
        _check_affine(_core.DIST_UNIFORM, 0.0, r, dt)
        return Sample(fill_of(_core.DIST_POLAR, _pairs_dtype(dt), (r, 0.0, 0)), shift=c)
    # the half-open interval in the output dtype: [smallest value >= low, largest < high]
    if low == high:
        with np.errstate(over="ignore"):  # (beyond the dtype: refused below)
            lo = hi = float(np.array(low, np.float64).astype(dt))  # every value is low, rounded
    else:
        lo, hi = round_up(low, dt), round_down(high, dt)
        if hi == high:
            hi = _step(hi, dt, False)
    _check_range(lo, hi, dt, what)
    if lo > hi:
        raise ValueError(f"{what}: no {dt} value lies in [low, high)")
    _check_affine(_core.DIST_UNIFORM, low, high - low, dt)
    return Sample(fill_of(_core.DIST_UNIFORM, dt, (low, high - low, lo, hi)))


def normal(mean: float, std: float, dt: np.dtype[Any], what: str | None = None) -> Sample:
    """N(mean, std^2); complex: mean + complex normal with E|z|^2 = std^2. Every value
    the fill can give (|z| up to Box-Muller's largest) must be finite in the dtype."""
    what = f"Arguments `mean`={mean!r} and `std`={std!r}" if what is None else what
    z = _Z_NORMAL[_pairs_dtype(dt).itemsize if _pairs_dtype(dt).itemsize == 8 else 4]
    spread = std * z / (math.sqrt(2.0) if _complex(dt) else 1.0)
    _check_range(mean - spread, mean + spread, dt, what)
    if _complex(dt):
        _check_affine(_core.DIST_NORMAL, 0.0, std / math.sqrt(2.0), dt)
        return Sample(fill_of(_core.DIST_NORMAL, _pairs_dtype(dt), (0.0, std / math.sqrt(2.0))),
                      shift=mean)
    _check_affine(_core.DIST_NORMAL, mean, std, dt)
    return Sample(fill_of(_core.DIST_NORMAL, dt, (mean, std)))


def truncnorm_params(mean: Any, std: Any, lo: Any, hi: Any, bounds: str) -> tuple[Any, ...]:
    """Validated (a, b, loc, scale, lo_abs, hi_abs): a, b standardised bounds."""
    mean = V.real(mean, "mean")
    std = V.real(std, "std", min_value=0.0, strict_min=True)
    lo = V.real(lo, "lo", allow_inf=True)
    hi = V.real(hi, "hi", allow_inf=True)
    V.choice(bounds, "bounds", ("absolute", "std"))
    return _standardised(mean, std, lo, hi, bounds)


def _standardised(mean: float, std: float, lo: float, hi: float, bounds: str) -> tuple[Any, ...]:
    """``truncnorm_params`` of values validated each on its own."""
    if not lo < hi:
        raise ValueError(f"Argument `lo` must be < `hi`. Received: lo={lo}, hi={hi}")
    if bounds == "std":
        a, b = lo, hi
        lo_abs, hi_abs = mean + std * lo, mean + std * hi
    else:
        a, b = (lo - mean) / std, (hi - mean) / std
        lo_abs, hi_abs = lo, hi
    for v, name in ((a, "lo"), (b, "hi")):
        bound = lo if name == "lo" else hi
        if math.isfinite(bound) and not math.isfinite(v):  # (bound - mean) / std overflowed
            v = math.inf
        if math.isfinite(bound) and abs(v) > TRUNCNORM_MAX_SIGMA:
            raise ValueError(f"Argument `{name}` is {abs(v):.3g} standard deviations from `mean`; "
                             f"truncated_normal supports bounds within {TRUNCNORM_MAX_SIGMA:g} "
                             f"std (or infinite). Received: {name}={lo if name == 'lo' else hi!r}")
    return (a, b, mean, std, lo_abs, hi_abs)


def truncnorm(tn: tuple[Any, ...], dt: np.dtype[Any], what: str | None = None) -> Sample:
    """Truncated normal, tn = (a, b, loc, scale, lo, hi) as ``truncnorm_params``: every
    value lies in [lo, hi] in the output dtype (the bounds rounded inward to it; an
    interval holding no value of the dtype is an error), and must be finite there.
    Complex: loc + z, z complex normal with E|z|^2 = scale^2 before truncation, its
    modulus truncated at b * scale (JAX's radial truncation; needs a == -b)."""
    a, b, loc, scale, lo, hi = tn
    if what is None:
        what = (f"Arguments `mean`, `std`, `lo` and `hi` (mean={loc!r}, std={scale!r}, "
                f"lo={lo!r}, hi={hi!r})")
    if _complex(dt):
        reach = scale * min(b if math.isfinite(b) else 9.0, 9.0)  # the modulus' largest
        _check_range(loc - reach, loc + reach, dt, what)
        _check_affine(_core.DIST_NORMAL, loc, scale, dt)
        if not (math.isinf(a) and math.isinf(b) and a < 0 < b) and \
                abs(a + b) > 1e-12 * max(1.0, abs(b)):
            raise ValueError("complex truncated_normal truncates the modulus |w - mean|, so the "
                             "bounds must be symmetric about `mean`. Received: lo, hi = "
                             f"mean + ({a * scale:g}, {b * scale:g})")
        u = (b - a) / 2
        cpar = 1.0 if math.isinf(u) else -math.expm1(-u * u)
        return Sample(fill_of(_core.DIST_POLAR, _pairs_dtype(dt), (scale, cpar, 1)), shift=loc)
    # how far the inverse CDF reaches past an infinite bound (p >= 2^-53 P(interval)),
    # in std, with a margin: sqrt(2 log(2^53) + the other bound^2)
    low = max(lo, loc - scale * math.sqrt(75.0 + min(b, 0.0) ** 2))
    high = min(hi, loc + scale * math.sqrt(75.0 + max(a, 0.0) ** 2))
    _check_range(low, high, dt, what)
    _check_affine(_core.DIST_NORMAL, loc, scale, dt)
    lo_r = round_up(lo, dt) if math.isfinite(lo) else lo
    hi_r = round_down(hi, dt) if math.isfinite(hi) else hi
    if lo_r > hi_r:
        raise ValueError(f"{what}: no {dt} value lies in [lo, hi]")
    return Sample(fill_of(_core.DIST_TRUNCNORM, dt, (float(a), float(b), float(loc),
                                                      float(scale), lo_r, hi_r)))


def variance(distribution: str, var: float, dt: np.dtype[Any], what: str) -> Sample:
    """Zero-mean values with E|w|^2 = var (real or complex alike); ``what`` names the
    parameters that gave var in an error."""
    if not math.isfinite(var):
        raise ValueError(f"{what}: the variance overflows (it is {var})")
    if distribution == "uniform":
        lim = math.sqrt(3.0 * var)
        return uniform(-lim, lim, dt, what)
    if distribution == "normal":
        return normal(0.0, math.sqrt(var), dt, what)
    std = math.sqrt(var) / (CTRUNC2_STD if _complex(dt) else TRUNC2_STD)
    if std == 0.0:  # zero variance (scale 0): the degenerate truncated normal is 0
        return normal(0.0, 0.0, dt, what)
    return truncnorm(_standardised(0.0, std, -2.0, 2.0, "std"), dt, what)


def fan_variance(scale: float, mode: str, fans: tuple[int, int]) -> float:
    """scale / n, n the fan of ``mode`` (0 for an empty tensor)."""
    fan_in, fan_out = fans
    denom = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2,
             "fan_geo_avg": math.sqrt(fan_in * fan_out)}[mode]
    return scale / denom if denom else 0.0


def constant(value: Any, dt: np.dtype[Any], name: str = "value",
             shape: tuple[int, ...] | None = None) -> Sample:
    """``value`` in every element -- or, an array, broadcast to ``shape`` (numpy rules: its
    shape matches the trailing dimensions, or is 1 there). Complex only for complex
    dtypes; integers (and bool) only when exactly representable; a finite value must stay
    finite in ``dt``."""
    if isinstance(value, np.ndarray):
        if shape is not None:
            try:
                np.broadcast_shapes(value.shape, shape)
            except ValueError:
                raise ValueError(f"Argument `{name}` of shape {value.shape} does not broadcast to "
                                 f"the shape {shape} (its shape must match the trailing "
                                 "dimensions)") from None
            if np.broadcast_shapes(value.shape, shape) != shape:
                raise ValueError(f"Argument `{name}` of shape {value.shape} would broadcast "
                                 f"{shape} to {np.broadcast_shapes(value.shape, shape)}")
        if value.dtype.kind == "c" and dt.kind != "c":
            raise TypeError(f"Argument `{name}` is complex but dtype={dt}. Received: {name} of "
                            f"dtype {value.dtype}")
        if dt.kind in "iub":
            info = (0, 1) if dt.kind == "b" else (np.iinfo(dt).min, np.iinfo(dt).max)
            ok = value.dtype.kind in "iub" or bool(np.all(np.isfinite(value)) and np.all(
                value == np.round(value)))
            if not ok or value.size and not (info[0] <= value.min() and value.max() <= info[1]):
                raise ValueError(f"Argument `{name}` must be exactly representable in dtype={dt}. "
                                 f"Received: {name}={value!r}")
            return Sample(None, value.astype(dt))
        return Sample(None, _finite_in(value, dt, name))
    if isinstance(value, complex) and dt.kind != "c":
        raise TypeError(f"Argument `{name}` is complex but dtype={dt}. Received: {name}={value!r}")
    if dt.kind in "iub":
        ok = not isinstance(value, complex) and math.isfinite(value) and value == int(value)
        if ok:
            info = (0, 1) if dt.kind == "b" else (np.iinfo(dt).min, np.iinfo(dt).max)
            ok = info[0] <= int(value) <= info[1]
        if not ok:
            raise ValueError(f"Argument `{name}` must be exactly representable in dtype={dt}. "
                             f"Received: {name}={value!r}")
        return Sample(None, int(value))
    if isinstance(value, int):
        try:
            value = float(value)
        except OverflowError:
            raise ValueError(f"Argument `{name}` is not representable in dtype={dt}: "
                             f"{value.bit_length()}-bit int (its largest finite value is "
                             f"{largest(dt):.7g})") from None
    return Sample(None, _finite_in(value, dt, name))


def _finite_in(value: Any, dt: np.dtype[Any], name: str) -> Any:
    """``value`` (scalar or array) in ``dt``: a finite value that would round to +-inf
    there is a ValueError naming the largest finite value of ``dt``."""
    if type(value) is float and (abs(value) <= _LARGEST[dt] or math.isinf(value)):
        return value  # (no finite value this small rounds to infinity)
    with np.errstate(over="ignore", invalid="ignore"):
        conv = np.asarray(value).astype(dt)
    parts = (np.asarray(value).real, np.asarray(value).imag) if dt.kind == "c" else (np.asarray(value),)
    cparts = (conv.real, conv.imag) if dt.kind == "c" else (conv,)
    for a, c in zip(parts, cparts):
        bad = np.isfinite(a) & ~np.isfinite(c.astype(np.float64))
        if np.any(bad):
            big = float(np.finfo(dt).max)
            raise ValueError(f"Argument `{name}` is not representable in dtype={dt}: "
                             f"{a[bad].flat[0].item()!r} rounds to infinity (its largest finite value "
                             f"is {big:.7g}). Received: {name}={value!r}")
    return value


# ------------------------------------------------------------------ the schemes' samplers

def s_uniform(p: dict[str, Any], dt: np.dtype[Any], fans: tuple[int, int] | None,
       shape: tuple[int, ...]) -> Sample:
    return uniform(p["low"], p["high"], dt)


def s_normal(p: dict[str, Any], dt: np.dtype[Any], fans: tuple[int, int] | None,
       shape: tuple[int, ...]) -> Sample:
    return normal(p["mean"], p["std"], dt)


def s_truncated_normal(p: dict[str, Any], dt: np.dtype[Any], fans: tuple[int, int] | None,
       shape: tuple[int, ...]) -> Sample:
    return truncnorm(_standardised(p["mean"], p["std"], p["lo"], p["hi"], p["bounds"]), dt)


def s_variance_scaling(p: dict[str, Any], dt: np.dtype[Any], fans: tuple[int, int] | None,
       shape: tuple[int, ...]) -> Sample:
    assert fans is not None
    return variance(p["distribution"], fan_variance(p["scale"], p["mode"], fans), dt,
                    _what("scale", p["scale"], fans))


def s_glorot_uniform(p: dict[str, Any], dt: np.dtype[Any], fans: tuple[int, int] | None,
       shape: tuple[int, ...]) -> Sample:
    assert fans is not None
    return variance("uniform", fan_variance(p["gain"] * p["gain"], "fan_avg", fans), dt,
                    _what("gain", p["gain"], fans))


def s_glorot_normal(p: dict[str, Any], dt: np.dtype[Any], fans: tuple[int, int] | None,
       shape: tuple[int, ...]) -> Sample:
    assert fans is not None
    return variance(p["distribution"], fan_variance(p["gain"] * p["gain"], "fan_avg", fans), dt,
                    _what("gain", p["gain"], fans))


def s_kaiming_uniform(p: dict[str, Any], dt: np.dtype[Any], fans: tuple[int, int] | None,
       shape: tuple[int, ...]) -> Sample:
    assert fans is not None
    return variance("uniform", fan_variance(p["gain"] * p["gain"], p["mode"], fans), dt,
                    _what("gain", p["gain"], fans))


def s_kaiming_normal(p: dict[str, Any], dt: np.dtype[Any], fans: tuple[int, int] | None,
       shape: tuple[int, ...]) -> Sample:
    assert fans is not None
    return variance(p["distribution"], fan_variance(p["gain"] * p["gain"], p["mode"], fans), dt,
                    _what("gain", p["gain"], fans))


SMALL_RANK = ("fans", "zeros", "error")


def with_small_rank(sample: Callable[..., Sample]) -> Callable[..., Sample]:
    """``sample`` of a variance-family scheme, the ``small_rank`` option applied first."""
    def s(p: dict[str, Any], dt: np.dtype[Any], fans: tuple[int, int] | None,
          shape: tuple[int, ...]) -> Sample:
        if len(shape) < 2 and "small_rank" in p:  # (present only when not "fans")
            return small_rank(p["small_rank"], shape)
        return sample(p, dt, fans, shape)
    return s


def small_rank(rule: str, shape: tuple[int, ...]) -> Sample:
    """A variance-family scheme on a shape of rank <= 1 (a bias, a scalar) under
    ``small_rank``: "zeros" -> zeros (no stream taken); "error" -> ValueError (torch and
    JAX refuse such shapes). "fans" (the default) never comes here: (n,) is read with fans
    (n, n), () with (1, 1), as Keras does."""
    if rule == "zeros":
        return Sample(None, 0)
    raise ValueError(f"Argument `shape`={shape} has rank {len(shape)}: it has no fan_in and "
                     "fan_out (small_rank='error', as torch and JAX). Use small_rank='zeros' "
                     "for zeros (biases), small_rank='fans' to read (n,) as fans (n, n) "
                     "(Keras), or a 2-D shape")


def _what(name: str, value: float, fans: tuple[int, int]) -> str:
    return f"Argument `{name}`={value!r} (with fans {fans})"


def s_zeros(p: dict[str, Any], dt: np.dtype[Any], fans: tuple[int, int] | None,
       shape: tuple[int, ...]) -> Sample:
    return Sample(None, 0)


def s_ones(p: dict[str, Any], dt: np.dtype[Any], fans: tuple[int, int] | None,
       shape: tuple[int, ...]) -> Sample:
    return Sample(None, 1)


def s_constant(p: dict[str, Any], dt: np.dtype[Any], fans: tuple[int, int] | None,
       shape: tuple[int, ...]) -> Sample:
    return constant(p["value"], dt, shape=shape)
