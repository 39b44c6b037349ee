"""The scheme catalog: every initializer as ``winit.<scheme>(shape, ...)``.

One registry, ``SCHEMES`` (canonical name -> ``Scheme``), holds for each scheme its
parameters (name, default, validator), flags (random? reads fan axes? shardable?)
and the builder. From it come

- the public functions (``winit.glorot_uniform`` ...), each with the full explicit
  signature ``(shape=None, *, <params>, dtype, rng, device, out, region, in_axis,
  out_axis, batch_axis, layout)``;
- ``Initializer`` objects (a scheme with bound parameters: what a call without a
  shape returns, what ``from_config`` rebuilds and what ``winit.keras`` wraps);
- ``Scheme.check``, the one place parameters are validated.

Every builder does: validate (here) -> fans / scale -> one fill call
(``winit._dists.generate``) or, for the structured schemes, a few numpy steps.
"""
from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from typing import Any, cast
from collections.abc import Callable

import numpy as np

from . import _validate as V
from ._core import _core
from ._dists import PURPOSE_SPARSE, bits, generate, truncnorm_params
from ._fans import (DEFAULT_IN_AXIS, DEFAULT_OUT_AXIS, check_axis, check_layout, compute_fans,
                    resolve_axes, resolve_out_axes)
from ._generator import Generator, as_generator

__all__ = ["Scheme", "Param", "Initializer", "SCHEMES", "ALIASES", "REQUIRED", "get_scheme",
           "from_config"]

FLOAT_DTYPES = V.REAL_DTYPES
COMPLEX_DTYPES = V.COMPLEX_DTYPES
INEXACT_DTYPES = FLOAT_DTYPES + COMPLEX_DTYPES
INT_DTYPES = tuple(np.dtype(t) for t in (np.int8, np.int16, np.int32, np.int64, np.uint8,
                                         np.uint16, np.uint32, np.uint64, np.bool_))
ANY_DTYPES = INEXACT_DTYPES + INT_DTYPES

# std of the standard normal truncated to [-2, 2] (Keras, JAX)
TRUNC2_STD = 0.87962566103423978
# sqrt(E|z|^2) of the complex normal with E|z|^2 = 1 truncated to |z| <= 2: |z|^2 is Exp(1)
# truncated at 4, whose mean is 1 - 4 e^-4 / (1 - e^-4). (JAX uses 0.95311164380491208
# here, which leaves its E|w|^2 1.87% above the target variance.)
CTRUNC2_STD = math.sqrt(1.0 - 4.0 * math.exp(-4.0) / -math.expm1(-4.0))


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()  # default of a parameter that has none (sparse_init's sparsity)

# ------------------------------------------------------------------ parameter checks
# Each takes (value, name) and returns the normalised value or raises ValueError /
# TypeError naming the parameter and the value received.


def _finite(v: Any, name: str) -> float:
    return V.real(v, name)


def _nonneg(v: Any, name: str) -> float:
    return V.real(v, name, min_value=0.0)


def _positive(v: Any, name: str) -> float:
    return V.real(v, name, min_value=0.0, strict_min=True)


def _bound(v: Any, name: str) -> float:
    return V.real(v, name, allow_inf=True)


def _unit_interval(v: Any, name: str) -> float:
    x = V.real(v, name)
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"Argument `{name}` must be in [0, 1]. Received: {name}={v!r}")
    return x


def _pos_int(v: Any, name: str) -> int:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"Argument `{name}` must be a positive int. "
                        f"Received: {name}={v!r} of type {type(v).__name__}")
    if v < 1:
        raise ValueError(f"Argument `{name}` must be a positive int. Received: {name}={v!r}")
    return int(v)


def _shift(v: Any, name: str) -> int | tuple[int, ...]:
    return check_axis(v, name)  # an int or a tuple of ints, like an axis


def _number(v: Any, name: str) -> float | complex:
    """A real or complex scalar (not NaN); {"real": x, "imag": y} is read as complex
    (the JSON form get_config writes)."""
    if isinstance(v, dict) and set(v) == {"real", "imag"}:
        v = complex(V.real(v["real"], name, allow_inf=True), V.real(v["imag"], name, allow_inf=True))
    if isinstance(v, (complex, np.complexfloating)):
        z = complex(v)
        if math.isnan(z.real) or math.isnan(z.imag):
            raise ValueError(f"Argument `{name}` must not be NaN. Received: {name}={v!r}")
        return z
    if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
        return int(v)
    return V.real(v, name, allow_inf=True)


def _choice(*options: str, aliases: dict[str, str] | None = None) -> Callable[[Any, str], str]:
    def check(v: Any, name: str) -> str:
        if aliases and isinstance(v, str) and v in aliases:
            return aliases[v]
        return cast(str, V.choice(v, name, options))
    check.options = options  # type: ignore[attr-defined]
    return check


MODES = ("fan_in", "fan_out", "fan_avg", "fan_geo_avg")
_mode = _choice(*MODES)
_vs_distribution = _choice("truncated_normal", "normal", "uniform",
                           aliases={"untruncated_normal": "normal"})  # Keras' name
_normal_distribution = _choice("normal", "truncated_normal",
                               aliases={"untruncated_normal": "normal"})
_bounds = _choice("absolute", "std")


# ------------------------------------------------------------------ registry types

@dataclass(frozen=True)
class Param:
    """One scheme parameter: its name, default (``REQUIRED`` if none) and validator."""
    name: str
    default: Any
    check: Callable[[Any, str], Any] = field(repr=False)
    doc: str = ""

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


# Parameters every scheme takes besides its own. Bound by an Initializer: dtype, rng,
# device (and the axis ones where the scheme reads axes); per call only: out, region.
COMMON = ("dtype", "rng", "device", "out", "region", "in_axis", "out_axis", "batch_axis",
          "layout")
AXIS_PARAMS = ("in_axis", "out_axis", "batch_axis", "layout")
AXIS_DEFAULTS = {"in_axis": DEFAULT_IN_AXIS, "out_axis": DEFAULT_OUT_AXIS, "batch_axis": (),
                 "layout": None}


@dataclass(frozen=True, eq=False)
class Scheme:
    """A registered scheme.

    Attributes:
        name: canonical name (``"glorot_uniform"``); ``aliases``: other names.
        params: the scheme's own parameters (``Param``), in signature order.
        random: takes a stream of ``rng`` (deterministic schemes ignore ``rng``).
        axes: reads ``in_axis``/``out_axis``/``batch_axis``/``layout`` (these are then
            bound parameters of its initializers and keys of its config).
        shardable: ``region=`` gives exactly the slice of the whole.
        dtypes: the dtypes it accepts.
        positional: its parameters may also be given positionally after ``shape``.
    """
    name: str
    params: tuple[Param, ...]
    build: Callable[[_Call, dict[str, Any]], Any] = field(repr=False)
    aliases: tuple[str, ...] = ()
    random: bool = True
    axes: bool = False
    shardable: bool = True
    dtypes: tuple[Any, ...] = INEXACT_DTYPES
    positional: bool = False
    relation: Callable[[dict[str, Any]], None] | None = field(default=None, repr=False)
    summary: str = ""
    fn: Callable[..., Any] = field(default=None, repr=False)  # type: ignore[assignment]

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    @property
    def defaults(self) -> dict[str, Any]:
        """Scheme parameter -> default (``REQUIRED`` where there is none)."""
        return {p.name: p.default for p in self.params}

    @property
    def bound_params(self) -> tuple[str, ...]:
        """Every key of this scheme's ``get_config()`` besides ``"scheme"``: its own
        parameters, then dtype, rng, device and (if it reads axes) the axis arguments."""
        return self.param_names + ("dtype", "rng", "device") + (AXIS_PARAMS if self.axes else ())

    @property
    def signature(self) -> inspect.Signature:
        return inspect.signature(self.fn)  # its __signature__

    def check(self, params: dict[str, Any]) -> dict[str, Any]:
        """Validate and normalise this scheme's own parameters (missing -> default).
        The one place scheme parameters are checked: functions, Initializer,
        from_config and winit.keras all come through here."""
        unknown = set(params) - set(self.param_names)
        if unknown:
            raise TypeError(f"{self.name}() got unexpected argument(s) "
                            f"{', '.join(sorted(map(repr, unknown)))}; its parameters are "
                            f"{', '.join(self.param_names) or '(none)'}")
        out = {}
        for p in self.params:
            v = params.get(p.name, p.default)
            if v is REQUIRED:
                raise TypeError(f"{self.name}() missing required argument `{p.name}`")
            out[p.name] = p.check(v, p.name)
        if self.relation is not None:
            self.relation(out)
        return out

    def check_bound(self, common: dict[str, Any]) -> dict[str, Any]:
        """Validate the bindable common arguments (dtype, rng, device, axes)."""
        out = {"dtype": str(V.dtype(common.get("dtype", "float32"), self.dtypes)),
               "rng": _check_rng(common.get("rng")),
               "device": _check_device(common.get("device", "cpu"))}
        if self.axes:
            for k in ("in_axis", "out_axis", "batch_axis"):
                out[k] = check_axis(common.get(k, AXIS_DEFAULTS[k]), k)
            out["layout"] = check_layout(common.get("layout"))
        return out

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)


SCHEMES: dict[str, Scheme] = {}
ALIASES: dict[str, str] = {}


def get_scheme(name: str) -> Scheme:
    """The registered scheme of a canonical name or alias."""
    if isinstance(name, str):
        if name in SCHEMES:
            return SCHEMES[name]
        if name in ALIASES:
            return SCHEMES[ALIASES[name]]
    raise ValueError(f"Argument `scheme` must be one of {', '.join(sorted(SCHEMES))} (or an "
                     f"alias: {', '.join(sorted(ALIASES))}). Received: scheme={name!r}")


def _check_rng(rng: Any) -> Any:
    if isinstance(rng, dict) and set(rng) == {"generator"}:  # get_config's form
        st = rng["generator"]
        g = Generator.__new__(Generator)
        try:
            g.__setstate__(dict(st, spawn_key=tuple(st["spawn_key"])))
        except (KeyError, TypeError) as e:
            raise ValueError(f"Argument `rng` holds an invalid generator state. Received: "
                             f"rng={rng!r}") from e
        return g
    if rng is None or isinstance(rng, Generator):
        return rng
    as_generator(rng)  # TypeError / ValueError for anything else
    return int(rng)


def _check_device(device: Any) -> str:
    if device == "cpu":
        return "cpu"
    if isinstance(device, str) and device.startswith("cuda"):
        from . import _cuda
        _cuda.parse_device(device)  # ValueError naming the argument
        return device
    raise ValueError(f"Argument `device` must be 'cpu', 'cuda' or 'cuda:N'. "
                     f"Received: device={device!r}")


# ------------------------------------------------------------------ one call

class _Call:
    """The validated common arguments of one call (everything checked, nothing
    allocated, no stream taken)."""

    def __init__(self, scheme: Scheme, shape: Any, a: dict[str, Any]) -> None:
        self.scheme = scheme
        self.shape = V.shape(shape)
        self.dt = V.dtype(a["dtype"], scheme.dtypes)
        self.device = _check_device(a["device"])
        self.reg = V.region(a["region"], self.shape)
        if self.reg is not None and not scheme.shardable and self.reg != tuple(
                (0, n) for n in self.shape):
            raise ValueError(f"Argument `region` is not supported by {scheme.name}: its values "
                             "depend on the whole matrix (a QR), so a block cannot be generated "
                             f"alone. Generate the full tensor and slice it. Received: "
                             f"region={a['region']!r}")
        self.rshape = self.shape if self.reg is None else tuple(b - a_ for a_, b in self.reg)
        self.out = a["out"]
        if self.device == "cpu":
            if self.out is not None:
                V.out_array(self.out, self.rshape, self.dt)
            else:
                V.allocatable(self.rshape, self.dt)
        self.rng = _check_rng(a["rng"])
        if scheme.random:
            self.g = as_generator(self.rng)
        self.axis_args = {k: a[k] for k in AXIS_PARAMS}
        check_axis(a["in_axis"], "in_axis"), check_axis(a["out_axis"], "out_axis")
        check_axis(a["batch_axis"], "batch_axis"), check_layout(a["layout"])

    @property
    def complex(self) -> bool:
        return self.dt.kind == "c"

    @property
    def slices(self) -> tuple[Any, ...] | None:
        return None if self.reg is None else tuple(slice(a, b) for a, b in self.reg)

    @property
    def size(self) -> int:
        return math.prod(self.rshape)

    def fans(self) -> tuple[int, int]:
        return compute_fans(self.shape, **self.axis_args)

    def axes(self) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        return resolve_axes(self.shape, **self.axis_args)

    def single_axes(self) -> tuple[int, int]:
        """The input and output axis of a rank >= 2 shape, each a single axis."""
        ins, outs, _ = self.axes()
        if len(ins) != 1 or len(outs) != 1:
            raise ValueError(f"{self.scheme.name} needs a single input and a single output axis. "
                             f"Received: in_axis={self.axis_args['in_axis']!r}, "
                             f"out_axis={self.axis_args['out_axis']!r}")
        return ins[0], outs[0]

    def finish(self, host: np.ndarray[Any, Any]) -> Any:
        """Deliver a result computed on the host: into ``out`` on the CPU, or -- THE
        hook for every scheme not generated by a GPU fill (structured schemes, complex
        dtypes) -- uploaded by ``winit._cuda.to_device``. Same bits as on the CPU."""
        if self.device != "cpu":
            from . import _cuda
            return _cuda.to_device(host, out=self.out, device=self.device)
        if self.out is not None and host is not self.out:
            np.copyto(self.out, host)
            return self.out
        return host

    def host_out(self) -> np.ndarray[Any, Any] | None:
        return self.out if self.device == "cpu" else None


# ------------------------------------------------------------------ element-wise sampling

def _float_of(dt: np.dtype[Any]) -> np.dtype[Any]:
    return np.dtype(np.float32) if dt == np.complex64 else np.dtype(np.float64)


def _sample(c: _Call, real: tuple[Any, ...], cplx: tuple[Any, ...], shift: float = 0.0,
            stream: int | None = None) -> Any:
    """One fill: ``real = (dist, params)`` for real dtypes; complex dtypes fill the
    interleaved (re, im) float pairs of one stream with ``cplx = (dist, params)`` and
    add ``shift`` to the real part."""
    if not c.complex:
        dist, params = real
        return generate(dist, params, c.shape, c.dt, c.g, c.out, c.slices, device=c.device,
                        stream=stream)
    dist, params = cplx
    fdt = _float_of(c.dt)
    full_f = c.shape[:-1] + (2 * c.shape[-1],) if c.shape else (2,)
    reg_f = None
    if c.reg is not None and c.shape:
        reg_f = tuple(slice(a, b) for a, b in c.reg[:-1]) + (slice(2 * c.reg[-1][0],
                                                                  2 * c.reg[-1][1]),)
    out = c.host_out()
    out_f = None if out is None else out.reshape(out.shape or (1,)).view(fdt)
    if out_f is not None and not c.shape:
        out_f = out_f.reshape(2)
    arr_f = generate(dist, params, full_f, fdt, c.g, out_f, reg_f, stream=stream)
    arr = arr_f.view(c.dt).reshape(c.rshape) if out is None else out
    if shift:
        arr.real += shift
    return c.finish(arr)


def _uniform(c: _Call, low: float, high: float, stream: int | None = None) -> Any:
    """Uniform on [low, high); complex: uniform on the disk centred at (low+high)/2 with
    the same E|w - centre|^2 = (high - low)^2 / 12 (radius (high - low) / sqrt(6))."""
    return _sample(c, (_core.DIST_UNIFORM, (low, high - low)),
                   (_core.DIST_POLAR, ((high - low) / math.sqrt(6.0), 0.0, 0)),
                   shift=(low + high) / 2, stream=stream)


def _normal(c: _Call, mean: float, std: float, stream: int | None = None) -> Any:
    """N(mean, std^2); complex: mean + complex normal with E|z|^2 = std^2."""
    return _sample(c, (_core.DIST_NORMAL, (mean, std)),
                   (_core.DIST_NORMAL, (0.0, std / math.sqrt(2.0))), shift=mean, stream=stream)


def _truncnorm(c: _Call, tn: tuple[Any, ...], stream: int | None = None) -> Any:
    """Truncated normal, tn = (a, b, loc, scale, lo, hi) as _dists.truncnorm_params.
    Complex: loc + z, z complex normal with E|z|^2 = scale^2 before truncation, its
    modulus truncated at b * scale (JAX's radial truncation; needs a == -b)."""
    a, b, loc, scale, _, _ = tn
    if c.complex:
        if not (math.isinf(a) and math.isinf(b) and a < 0 < b) and \
                abs(a + b) > 1e-12 * max(1.0, abs(b)):
            raise ValueError("complex truncated_normal truncates the modulus |w - mean|, so the "
                             "bounds must be symmetric about `mean`. Received: lo, hi = "
                             f"mean + ({a * scale:g}, {b * scale:g})")
        u = (b - a) / 2
        cpar = 1.0 if math.isinf(u) else -math.expm1(-u * u)
        return _sample(c, (None, None), (_core.DIST_POLAR, (scale, cpar, 1)), shift=loc,
                       stream=stream)
    return _sample(c, (_core.DIST_TRUNCNORM, tn), (None, None), stream=stream)


def _with_variance(c: _Call, distribution: str, variance: float) -> Any:
    """Zero-mean values with E|w|^2 = variance (real or complex alike)."""
    if distribution == "uniform":
        lim = math.sqrt(3.0 * variance)
        return _uniform(c, -lim, lim)
    if distribution == "normal":
        return _normal(c, 0.0, math.sqrt(variance))
    std = math.sqrt(variance) / (CTRUNC2_STD if c.complex else TRUNC2_STD)
    if std == 0.0:  # zero variance (scale 0): the degenerate truncated normal is 0
        return _normal(c, 0.0, 0.0)
    return _truncnorm(c, truncnorm_params(0.0, std, -2.0, 2.0, "std"))


def _variance_scaling(c: _Call, scale: float, mode: str, distribution: str) -> Any:
    fan_in, fan_out = c.fans()
    denom = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2,
             "fan_geo_avg": math.sqrt(fan_in * fan_out)}[mode]
    variance = scale / denom if denom else 0.0  # denom 0 only for an empty tensor
    return _with_variance(c, distribution, variance)


# ------------------------------------------------------------------ builders

def _b_uniform(c: _Call, p: dict[str, Any]) -> Any:
    return _uniform(c, p["low"], p["high"])


def _b_normal(c: _Call, p: dict[str, Any]) -> Any:
    return _normal(c, p["mean"], p["std"])


def _b_truncated_normal(c: _Call, p: dict[str, Any]) -> Any:
    return _truncnorm(c, truncnorm_params(p["mean"], p["std"], p["lo"], p["hi"], p["bounds"]))


def _b_variance_scaling(c: _Call, p: dict[str, Any]) -> Any:
    return _variance_scaling(c, p["scale"], p["mode"], p["distribution"])


def _b_glorot_uniform(c: _Call, p: dict[str, Any]) -> Any:
    return _variance_scaling(c, p["gain"] ** 2, "fan_avg", "uniform")


def _b_glorot_normal(c: _Call, p: dict[str, Any]) -> Any:
    return _variance_scaling(c, p["gain"] ** 2, "fan_avg", p["distribution"])


def _b_kaiming_uniform(c: _Call, p: dict[str, Any]) -> Any:
    return _variance_scaling(c, p["gain"] ** 2, p["mode"], "uniform")


def _b_kaiming_normal(c: _Call, p: dict[str, Any]) -> Any:
    return _variance_scaling(c, p["gain"] ** 2, p["mode"], p["distribution"])


def _representable(value: Any, dt: np.dtype[Any], name: str) -> Any:
    """``value`` for an array of ``dt``: complex only for complex dtypes; integers
    (and bool) only when exactly representable."""
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
        return int(value)
    return value


def _full(c: _Call, value: Any) -> Any:
    value = _representable(value, c.dt, "value")
    out = c.host_out()
    if out is None:
        out = np.empty(c.rshape, c.dt)
    out[...] = value
    return c.finish(out)


def _b_zeros(c: _Call, p: dict[str, Any]) -> Any:
    return _full(c, 0)


def _b_ones(c: _Call, p: dict[str, Any]) -> Any:
    return _full(c, 1)


def _b_constant(c: _Call, p: dict[str, Any]) -> Any:
    return _full(c, p["value"])


def _scatter(c: _Call, coords: list[np.ndarray], value: Any, name: str) -> Any:
    """Zeros with ``value`` at the points ``coords`` (one int array per axis, in the
    full tensor); only the points inside the region are written."""
    value = _representable(value, c.dt, name)
    out = c.host_out()
    arr = np.zeros(c.rshape, c.dt) if out is None else out
    if out is not None:
        arr[...] = 0
    if coords and len(coords[0]):
        keep = np.ones(len(coords[0]), bool)
        reg = c.reg or tuple((0, n) for n in c.shape)
        for x, (a, b) in zip(coords, reg):
            keep &= (x >= a) & (x < b)
        arr[tuple(x[keep] - a for x, (a, _) in zip(coords, reg))] = value
    return c.finish(arr)


def _b_identity_init(c: _Call, p: dict[str, Any]) -> Any:
    shape, shift = c.shape, p["shift"]
    shifts = (shift,) if isinstance(shift, int) else shift
    if len(shifts) > max(len(shape), 1):
        raise ValueError(f"Argument `shift` has {len(shifts)} entries for the {len(shape)}-D "
                         f"shape {shape}. Received: shift={shift!r}")
    coords: list[np.ndarray] = []
    if len(shape) >= 2 and math.prod(shape) > 0:
        if len(shape) == 2:
            i_ax, o_ax = 0, 1  # eye(rows, cols): the same in any layout
        else:
            i_ax, o_ax = c.single_axes()
        n = min(shape[i_ax], shape[o_ax])
        diag = np.arange(n)
        coords = [diag if d in (i_ax, o_ax) else np.full(n, (shape[d] - 1) // 2)
                  for d in range(len(shape))]
        coords = [(x + s) % shape[d] if d < len(shifts) else x
                  for d, (x, s) in enumerate(zip(coords, shifts + (0,) * len(shape)))]
    return _scatter(c, coords, p["gain"], "gain")


def _b_dirac(c: _Call, p: dict[str, Any]) -> Any:
    shape, groups = c.shape, p["groups"]
    if len(shape) < 3:
        raise ValueError(f"dirac needs a tensor of rank >= 3 (a convolution kernel). "
                         f"Received: shape={shape}")
    i_ax, o_ax = c.single_axes()
    n_out, n_in = shape[o_ax], shape[i_ax]
    if n_out % groups:
        raise ValueError(f"Argument `groups` must divide the output dimension {n_out}. "
                         f"Received: groups={groups}")
    per = n_out // groups
    m = min(per, n_in)
    d = np.tile(np.arange(m), groups)
    g = np.repeat(np.arange(groups), m)
    coords = []
    for ax in range(len(shape)):
        if ax == o_ax:
            coords.append(g * per + d)
        elif ax == i_ax:
            coords.append(d)
        else:
            coords.append(np.full(len(d), shape[ax] // 2))  # torch's centre tap
    if not math.prod(shape):
        coords = []
    return _scatter(c, coords, 1, "value")


def n_zeros(sparsity: float, n: int) -> int:
    """ceil(sparsity * n), read as the user means it: 0.1 * 30 is 3, not 4."""
    x = sparsity * n
    r = round(x)
    return int(r) if abs(x - r) <= 1e-9 * max(1.0, x) else math.ceil(x)


def _k_smallest(keys: np.ndarray[Any, Any], k: int) -> np.ndarray[Any, Any]:
    """Mask of the k smallest keys of each row, ties broken by index (the k smallest
    (key, index) pairs), 1 <= k <= row length."""
    thr = np.partition(keys, k - 1, axis=1)[:, k - 1:k]
    zero = keys < thr
    eq = keys == thr
    need = k - zero.sum(axis=1)  # >= 1: thr is the k-th smallest
    ties = np.nonzero(eq.sum(axis=1) > need)[0]  # rare: more equal keys than places
    zero |= eq
    for r in ties:
        zero[r] = (keys[r] < thr[r]) | (eq[r] & (np.cumsum(eq[r]) <= need[r]))
    return zero


def _b_sparse_init(c: _Call, p: dict[str, Any]) -> Any:
    shape = c.shape
    if len(shape) != 2:
        raise ValueError(f"sparse_init needs a 2-D shape. Received: shape={shape}")
    u_ax, p_ax = c.single_axes()  # units along the input axis, positions along the output
    k = n_zeros(p["sparsity"], shape[p_ax])
    s = c.g.stream()
    host = _Call.__new__(_Call)  # the values on the host, then zeros, then (GPU) upload
    host.__dict__.update(c.__dict__, device="cpu", out=c.host_out())
    arr = _normal(host, 0.0, p["std"], stream=s)
    if k and arr.size:
        reg = c.reg or tuple((0, n) for n in shape)
        (u0, u1), (q0, q1) = reg[u_ax], reg[p_ax]
        n_p = shape[p_ax]
        step = max(1, (1 << 22) // max(n_p, 1))
        for a in range(u0, u1, step):
            b = min(u1, a + step)
            kreg = [slice(None), slice(None)]
            kreg[u_ax] = slice(a, b)
            keys = bits(shape, rng=c.g, region=tuple(kreg), purpose=PURPOSE_SPARSE, stream=s)
            zero = _k_smallest(keys if p_ax == 1 else keys.T, k)  # (units, positions)
            sel = [slice(None), slice(None)]
            sel[u_ax] = slice(a - u0, b - u0)
            arr[tuple(sel)][zero[:, q0:q1] if p_ax == 1 else zero[:, q0:q1].T] = 0
    return c.finish(arr)


# ---- orthogonal: Haar-distributed (semi-)orthogonal matrices

_WY_BLOCK = 256
_ROW_CHUNK = 256


def _householder(B: np.ndarray[Any, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Row j of B (k, l) holds, in B[j, j:], the column LAPACK's ?geqrf would meet at
    step j. Turn each into its Householder reflector exactly as ?larfg does (in
    place: B[j, j+1:] becomes v[1:]); returns (tau, the sign of R[j, j])."""
    k, l = B.shape
    cplx = B.dtype.kind == "c"
    j = np.arange(k)
    alpha = B[j, j].astype(np.complex128 if cplx else np.float64)
    xn2 = np.empty(k)
    for r0 in range(0, k, _WY_BLOCK):
        r1 = min(k, r0 + _WY_BLOCK)
        tri = np.triu(B[r0:r1, r0 + 1:], 0)  # row r: B[r, r+1:]
        parts = (tri.real, tri.imag) if cplx else (tri,)
        xn2[r0:r1] = sum(np.einsum("ij,ij->i", t, t, dtype=np.float64) for t in parts)
    ar = alpha.real
    ai = alpha.imag if cplx else np.zeros(k)
    trivial = (xn2 == 0) & (ai == 0)  # H = I, R[j, j] = alpha
    beta = np.where(trivial, ar, -np.copysign(np.sqrt(ar * ar + ai * ai + xn2), ar))
    safe = np.where(trivial, 1.0, beta)
    tau = np.where(trivial, 0.0, (safe - alpha) / safe)
    scale = np.where(trivial, 0.0, 1.0 / np.where(trivial, 1.0, alpha - beta))
    scale = scale.astype(B.dtype)
    for r0 in range(0, k, _WY_BLOCK):
        r1 = min(k, r0 + _WY_BLOCK)
        B[r0:r1, r0 + 1:] *= scale[r0:r1, None]
    return tau.astype(B.dtype), np.where(beta < 0, -1.0, 1.0)


def _form_q(M: np.ndarray[Any, Any], tau: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Q = H_0 H_1 ... H_{k-1} (l, k), F-order, from the reflectors stored below the
    diagonal of M (l, k) (LAPACK ?orgqr), blocked with the compact WY form
    H_j0..H_j1 = I - V T V^H so the work is matrix products (BLAS 3). The update runs
    on Q^T (C-order), so every product and the subtraction stream rows."""
    l, k = M.shape
    Qt = np.zeros((k, l), M.dtype)  # Q^T
    Qt[np.arange(k), np.arange(k)] = 1
    for j0 in range(((k - 1) // _WY_BLOCK) * _WY_BLOCK, -1, -_WY_BLOCK):
        j1 = min(k, j0 + _WY_BLOCK)
        nb = j1 - j0
        V = np.tril(M[j0:, j0:j1], -1)
        V[np.arange(nb), np.arange(nb)] = 1
        t = tau[j0:j1]
        VhV = V.conj().T @ V
        T = np.zeros((nb, nb), M.dtype)  # ?larft, forward columnwise
        for i in range(nb):
            T[i, i] = t[i]
            if i:
                T[:i, i] = -t[i] * (T[:i, :i] @ VhV[:i, i])
        # Q_s <- (I - V T V^H) Q_s, transposed: Qt_s <- Qt_s - (Qt_s conj(V)) T^T V^T.
        # Rows j0..j1 of Q_s (columns of Qt_s) are still those of the identity.
        Qts = Qt[j0:, j0:]
        Y = (Qts @ V.conj()) @ T.T
        Vt = V.T
        for r0 in range(0, Qts.shape[0], _ROW_CHUNK):  # the product stays in cache
            Qts[r0:r0 + _ROW_CHUNK] -= Y[r0:r0 + _ROW_CHUNK] @ Vt
    return cast("np.ndarray[Any, Any]", Qt.T)


def _haar(c: _Call, m: int, n: int, wdt: np.dtype[Any], stream: int) -> np.ndarray[Any, Any]:
    """A C-order (m, n) matrix with orthonormal rows (m <= n) or columns (m > n), Haar
    distributed: the Q of the QR (R's diagonal made positive) of a standard normal
    (max, min) matrix A -- transposed when m <= n.

    A is never formed. Householder QR of a Gaussian matrix meets, at step j, a column
    that is again an independent standard normal vector (rotation invariance), so those
    vectors are drawn directly (rows of one normal fill) and only Q is formed -- the
    same distribution for half the flops (Stewart 1980). Explicitly, A = Q_raw R_raw
    with R_raw = the upper triangle of the drawn matrix (transposed), diagonal -> beta."""
    k, l = min(m, n), max(m, n)
    B = _std_normal_matrix(c, (k, l), wdt, stream)
    tau, d = _householder(B)
    Q = _form_q(B.T, tau)  # (l, k), F-order: orthonormal columns
    Q *= d.astype(Q.real.dtype)
    return Q.T if m <= n else np.ascontiguousarray(Q)


def _std_normal_matrix(c: _Call, shape: tuple[int, int], wdt: np.dtype[Any], stream: int) -> np.ndarray[Any, Any]:
    """Standard (complex) normal (k, l) in the working dtype, from stream ``stream``."""
    if wdt.kind == "c":
        f = _float_of(wdt)
        a = generate(_core.DIST_NORMAL, (0.0, math.sqrt(0.5)), (shape[0], 2 * shape[1]), f, c.g,
                     None, None, stream=stream)
        return cast("np.ndarray[Any, Any]", a.view(wdt))
    return cast("np.ndarray[Any, Any]",
                generate(_core.DIST_NORMAL, (0.0, 1.0), shape, wdt, c.g, None, None, stream=stream))


def _work_dtype(dt: np.dtype[Any]) -> np.dtype[Any]:
    return dt if dt.itemsize >= 4 and dt.kind in "fc" else np.dtype(np.float32)


def _orthogonal_matrix(c: _Call, rows: int, cols: int, gain: float) -> np.ndarray[Any, Any]:
    s = c.g.stream()
    wdt = _work_dtype(c.dt)
    if rows * cols == 0:
        return np.zeros((rows, cols), c.dt)
    q = _haar(c, rows, cols, wdt, s)
    if gain != 1.0:
        q *= q.real.dtype.type(gain)
    return q if q.dtype == c.dt else q.astype(c.dt)


def _b_orthogonal(c: _Call, p: dict[str, Any]) -> Any:
    shape = c.shape
    if len(shape) < 2:
        raise ValueError(f"orthogonal needs a shape of rank >= 2 (a matrix). Received: "
                         f"shape={shape}")
    outs = resolve_out_axes(shape, **c.axis_args)
    if len(outs) != 1:
        raise ValueError(f"orthogonal needs a single output axis. Received: "
                         f"out_axis={c.axis_args['out_axis']!r}")
    o = outs[0]
    n_out = shape[o]
    rest = math.prod(shape) // n_out if n_out else math.prod(shape[:o] + shape[o + 1:])
    if o == len(shape) - 1:
        w = _orthogonal_matrix(c, rest, n_out, p["gain"]).reshape(shape)
    elif o == 0:
        w = _orthogonal_matrix(c, n_out, rest, p["gain"]).reshape(shape)
    else:
        moved = shape[:o] + shape[o + 1:] + (n_out,)
        w = np.ascontiguousarray(np.moveaxis(
            _orthogonal_matrix(c, rest, n_out, p["gain"]).reshape(moved), -1, o))
    return c.finish(w)


def _b_delta_orthogonal(c: _Call, p: dict[str, Any]) -> Any:
    shape = c.shape
    if len(shape) not in (3, 4, 5):
        raise ValueError(f"delta_orthogonal needs a 3-D, 4-D or 5-D shape (a convolution "
                         f"kernel). Received: shape={shape}")
    i_ax, o_ax = c.single_axes()
    n_in, n_out = shape[i_ax], shape[o_ax]
    if n_out < n_in:
        raise ValueError(f"delta_orthogonal needs out >= in (fan_in <= fan_out). Received: "
                         f"shape={shape} with in={n_in} (axis {i_ax}), out={n_out} (axis {o_ax})")
    q = _orthogonal_matrix(c, n_in, n_out, p["gain"])  # (in, out), orthonormal rows
    w = np.zeros(shape, c.dt)
    if w.size:
        idx: list[int | slice] = [(n - 1) // 2 for n in shape]  # JAX's centre tap
        idx[i_ax] = idx[o_ax] = slice(None)
        w[tuple(idx)] = q if i_ax < o_ax else q.T
    return c.finish(w)


# ------------------------------------------------------------------ public functions

_COMMON_DOC = """

    Common arguments:
        shape: tuple[Any, ...] of non-negative ints (an int means 1-D). Omit it to get a reusable
            ``Initializer`` with these parameters bound.
        dtype: float16, bfloat16, float32, float64, complex64 or complex128 (name or
            numpy dtype){int_note}.
        rng: a ``winit.Generator`` (each call takes its next stream), an int seed, or
            None for fresh OS entropy.
        device: "cpu" (a numpy array) or "cuda"/"cuda:N" (a GPU array, same bits).
        out: an array of the result's shape and dtype to fill in place.
        region: tuple[Any, ...] of slices of the full shape: generate only that block{region_note}.
        in_axis, out_axis, batch_axis: the fan axes (ints or tuples, JAX semantics);
            layout: None/"keras" for ``(..., in, out)``, "torch" for ``(out, in, *k)``.
"""


def _register(name: str, params: list[Param], build: Callable[..., Any], *, aliases: tuple[Any, ...] = (),
              summary: str, doc: str = "", **flags: Any) -> Callable[..., Any]:
    spec = Scheme(name, tuple(params), build, aliases=aliases, summary=summary, **flags)
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD if spec.positional else \
        inspect.Parameter.KEYWORD_ONLY
    sig_params = [inspect.Parameter("shape", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                    default=None)]
    for p in spec.params:
        sig_params.append(inspect.Parameter(
            p.name, kind, default=inspect.Parameter.empty if p.required else p.default))
    kw = inspect.Parameter.KEYWORD_ONLY
    sig_params += [inspect.Parameter("dtype", kw, default="float32"),
                   inspect.Parameter("rng", kw, default=None),
                   inspect.Parameter("device", kw, default="cpu"),
                   inspect.Parameter("out", kw, default=None),
                   inspect.Parameter("region", kw, default=None)]
    sig_params += [inspect.Parameter(k, kw, default=AXIS_DEFAULTS[k]) for k in AXIS_PARAMS]
    sig = inspect.Signature(sig_params)

    def fn(*args: Any, **kwargs: Any) -> Any:
        try:
            ba = sig.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"{name}(): {e}") from None
        ba.apply_defaults()
        a = ba.arguments
        shape = a.pop("shape")
        own = {k: a.pop(k) for k in spec.param_names}
        if shape is None:
            if a["out"] is not None or a["region"] is not None:
                raise TypeError(f"{name}(): `out` and `region` belong to a call with a shape; "
                                "pass them when calling the initializer")
            return Initializer(spec, **own, **{k: a[k] for k in ("dtype", "rng", "device")
                                                + AXIS_PARAMS})
        return spec.build(_Call(spec, shape, a), spec.check(own))

    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = "winit"
    fn.__signature__ = sig  # type: ignore[attr-defined]
    fn.__doc__ = (doc or summary) + _COMMON_DOC.format(
        int_note="" if spec.random else ", or an integer/bool dtype",
        region_note="; equals the same slice of the whole" if spec.shardable else
        " -- not supported here (a QR couples every element): a ValueError unless the "
        "region is the whole tensor")
    object.__setattr__(spec, "fn", fn)
    SCHEMES[name] = spec
    for al in aliases:
        ALIASES[al] = name
    return fn


P = Param

zeros = _register("zeros", [], _b_zeros, random=False, dtypes=ANY_DTYPES,
                  summary="All zeros.")
ones = _register("ones", [], _b_ones, random=False, dtypes=ANY_DTYPES, summary="All ones.")
constant = _register("constant", [P("value", 0.0, _number, "the fill value (real or complex)")],
                     _b_constant, aliases=("full",), random=False, dtypes=ANY_DTYPES,
                     positional=True, summary="Every element equal to `value`.")


def _low_high(p: dict[str, Any]) -> None:
    if not p["low"] <= p["high"]:
        raise ValueError(f"Argument `low` must be <= `high`. Received: low={p['low']}, "
                         f"high={p['high']}")


def _lo_hi(p: dict[str, Any]) -> None:
    truncnorm_params(p["mean"], p["std"], p["lo"], p["hi"], p["bounds"])


uniform = _register(
    "uniform", [P("low", 0.0, _finite), P("high", 1.0, _finite)], _b_uniform, positional=True,
    relation=_low_high, summary="Uniform on [low, high).",
    doc="""Uniform on [low, high): ``low + (high - low) * u``, u a multiple of 2^-24 (float32
    family) or 2^-53 (float64). Complex dtypes: uniform on the disk centred at
    (low + high) / 2 with the real variance (high - low)^2 / 12 as E|w - centre|^2.
""")
normal = _register(
    "normal", [P("mean", 0.0, _finite), P("std", 1.0, _nonneg)], _b_normal, positional=True,
    summary="Normal N(mean, std^2).",
    doc="""Normal N(mean, std^2) (Box-Muller). Complex dtypes: mean + a complex normal with
    E|z|^2 = std^2 (real and imaginary parts each of variance std^2 / 2).
""")
truncated_normal = _register(
    "truncated_normal", [P("mean", 0.0, _finite), P("std", 1.0, _positive), P("lo", -2.0, _bound),
                         P("hi", 2.0, _bound), P("bounds", "absolute", _bounds)],
    _b_truncated_normal, positional=True, relation=_lo_hi,
    summary="Normal N(mean, std^2) restricted to [lo, hi], by inverse CDF.",
    doc="""Normal N(mean, std^2) restricted to [lo, hi], by inverse CDF: exact in the far
    tails, no clamping, no rejection. ``bounds="std"`` reads lo/hi in units of std around
    mean (JAX/Keras). Complex dtypes: the modulus ``|w - mean|`` is truncated (JAX's radial
    complex truncated normal): bounds must be symmetric about mean.
""")
variance_scaling = _register(
    "variance_scaling", [P("scale", 1.0, _nonneg), P("mode", "fan_in", _mode),
                         P("distribution", "truncated_normal", _vs_distribution)],
    _b_variance_scaling, axes=True,
    summary="Zero-mean values with variance scale / n, n a fan of the shape.",
    doc="""Zero-mean values with E|w|^2 = scale / n, n = fan_in, fan_out, (fan_in + fan_out)/2
    or sqrt(fan_in * fan_out) for mode fan_in, fan_out, fan_avg, fan_geo_avg.
    distribution "uniform": U(-sqrt(3 v), sqrt(3 v)) (complex: uniform disk);
    "normal": N(0, v) (complex normal); "truncated_normal": normal truncated at 2 sigma
    with sigma = sqrt(v) / 0.87962566103423978 so the variance is exactly v (Keras/JAX).
""")
glorot_uniform = _register(
    "glorot_uniform", [P("gain", 1.0, _nonneg)], _b_glorot_uniform, aliases=("xavier_uniform",),
    axes=True, summary="Glorot/Xavier uniform: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)).")
glorot_normal = _register(
    "glorot_normal", [P("gain", 1.0, _nonneg), P("distribution", "normal", _normal_distribution)],
    _b_glorot_normal, aliases=("xavier_normal",), axes=True,
    summary="Glorot/Xavier normal: std = gain * sqrt(2 / (fan_in + fan_out)).")
kaiming_uniform = _register(
    "kaiming_uniform", [P("gain", math.sqrt(2.0), _nonneg), P("mode", "fan_in", _mode)],
    _b_kaiming_uniform, aliases=("he_uniform",), axes=True,
    summary="Kaiming/He uniform: U(-a, a), a = gain * sqrt(3 / fan).")
kaiming_normal = _register(
    "kaiming_normal", [P("gain", math.sqrt(2.0), _nonneg), P("mode", "fan_in", _mode),
                       P("distribution", "normal", _normal_distribution)],
    _b_kaiming_normal, aliases=("he_normal",), axes=True,
    summary="Kaiming/He normal: std = gain / sqrt(fan).")
lecun_uniform = _register(
    "lecun_uniform", [P("gain", 1.0, _nonneg), P("mode", "fan_in", _mode)], _b_kaiming_uniform,
    axes=True, summary="LeCun uniform: U(-a, a), a = gain * sqrt(3 / fan_in) (kaiming with gain 1).")
lecun_normal = _register(
    "lecun_normal", [P("gain", 1.0, _nonneg), P("mode", "fan_in", _mode),
                     P("distribution", "normal", _normal_distribution)],
    _b_kaiming_normal, axes=True,
    summary="LeCun normal: std = gain / sqrt(fan_in) (kaiming with gain 1).")
orthogonal = _register(
    "orthogonal", [P("gain", 1.0, _nonneg)], _b_orthogonal, axes=True, shardable=False,
    summary="A Haar-random (semi-)orthogonal matrix times gain.",
    doc="""A Haar-random (semi-)orthogonal matrix times gain: the Q of the QR of a standard
    normal matrix, R's diagonal made positive. The tensor is read as the matrix
    (prod(other axes), shape[out_axis]) (default: (prod(shape[:-1]), shape[-1])); its
    columns are orthonormal if it is tall, its rows if it is wide. Complex: unitary.
""")
delta_orthogonal = _register(
    "delta_orthogonal", [P("gain", 1.0, _nonneg)], _b_delta_orthogonal, axes=True,
    shardable=False, summary="Delta-orthogonal convolution kernel (Xiao et al. 2018).",
    doc="""Delta-orthogonal convolution kernel (Xiao et al. 2018, as JAX): zeros except the
    centre tap ((k - 1) // 2 on each spatial axis), which holds an orthogonal (in, out)
    matrix times gain. Rank 3-5, out >= in.
""")
dirac = _register(
    "dirac", [P("groups", 1, _pos_int)], _b_dirac, axes=True, random=False, dtypes=ANY_DTYPES,
    summary="Dirac delta kernel: a convolution that copies its input channels (torch).",
    doc="""Dirac delta kernel (``torch.nn.init.dirac_`` in our layout): zeros except a 1 at the
    centre tap (k // 2) for output channel g * (out / groups) + d and input channel d,
    d < min(out / groups, in). Rank >= 3.
""")
identity_init = _register(
    "identity_init", [P("gain", 1.0, _finite), P("shift", 0, _shift)], _b_identity_init,
    axes=True, random=False, dtypes=ANY_DTYPES,
    summary="Identity: eye (2-D) or centre tap times eye(in, out) (Flux).",
    doc="""Identity (Flux.identity_init in our layout): 1-D zeros; 2-D gain * eye(rows, cols);
    rank >= 3 zeros except the centre tap ((k - 1) // 2) of the spatial axes, which holds
    gain * eye(in, out). ``shift`` (int: axis 0; tuple: axes 0, 1, ...) rolls the result
    circularly (np.roll; Flux's circshift).
""")
sparse_init = _register(
    "sparse_init", [P("sparsity", REQUIRED, _unit_interval), P("std", 0.01, _nonneg)],
    _b_sparse_init, axes=True,
    summary="Sparse: each input unit has exactly ceil(sparsity * fan_out) zero weights.",
    doc="""Sparse (Martens 2010; ``torch.nn.init.sparse_``): 2-D; for each input unit exactly
    ceil(sparsity * fan_out) of its outgoing weights are zero, the rest N(0, std^2).
    The zero positions come from the rng (the ceil(...) smallest of per-element keys
    drawn from the call's auxiliary substream), so they are reproducible and any block
    (``region``) equals the slice of the whole.
""")


# ---- typed helpers (Lux's zeros32, randn16, randC64, ...)

def _typed(name: str, base: Callable[..., Any], dtype: str) -> Callable[..., Any]:
    sig = base.__signature__  # type: ignore[attr-defined]
    sig = sig.replace(parameters=[p for p in sig.parameters.values() if p.name != "dtype"])

    def fn(*args: Any, **kwargs: Any) -> Any:
        if "dtype" in kwargs:
            raise TypeError(f"{name}() fixes dtype={dtype!r}; call winit.{base.__name__} to "
                            "choose another")
        return base(*args, dtype=dtype, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = "winit"
    fn.__signature__ = sig  # type: ignore[attr-defined]
    fn.__doc__ = f"``winit.{base.__name__}(..., dtype={dtype!r})``."
    return fn


TYPED: dict[str, Callable[..., Any]] = {}
for _base, _stem in ((zeros, "zeros"), (ones, "ones"), (uniform, "rand"), (normal, "randn")):
    for _sfx, _dt in (("16", "float16"), ("32", "float32"), ("64", "float64"),
                      ("C32", "complex64"), ("C64", "complex128")):
        TYPED[_stem + _sfx] = _typed(_stem + _sfx, _base, _dt)


# ------------------------------------------------------------------ initializer objects

def _json(v: Any) -> Any:
    if isinstance(v, tuple):
        return [_json(x) for x in v]
    if isinstance(v, complex):
        return {"real": v.real, "imag": v.imag}
    if isinstance(v, Generator):
        st = v.__getstate__()
        return {"generator": dict(st, spawn_key=list(st["spawn_key"]))}
    return v


class Initializer:
    """A scheme with its parameters bound (what ``winit.<scheme>(**params)`` without a
    shape returns). Call it with a shape; ``get_config()`` / ``winit.from_config``
    round-trip it through JSON.

    Examples:
        >>> init = winit.glorot_uniform(gain=2.0)
        >>> init
        winit.glorot_uniform(gain=2.0)
        >>> w = init((64, 32), rng=winit.Generator(0))
        >>> winit.from_config(init.get_config()) == init
        True
    """

    __slots__ = ("spec", "params")
    spec: Scheme
    params: dict[str, Any]

    def __init__(self, scheme: str | Scheme, **params: Any) -> None:
        spec = scheme if isinstance(scheme, Scheme) else get_scheme(scheme)
        bound = {k: params.pop(k) for k in list(params) if k not in spec.param_names}
        allowed = set(spec.bound_params) - set(spec.param_names)
        extra = set(bound) - allowed - (set(AXIS_PARAMS) if not spec.axes else set())
        if extra:
            raise TypeError(f"{spec.name}() got unexpected argument(s) "
                            f"{', '.join(sorted(map(repr, extra)))}; its parameters are "
                            f"{', '.join(spec.bound_params)}")
        if not spec.axes:  # accepted for the common signature, unused: validate, drop
            for k in AXIS_PARAMS:
                v = bound.pop(k, AXIS_DEFAULTS[k])
                check_layout(v) if k == "layout" else check_axis(v, k)
        own = spec.check(params)
        object.__setattr__(self, "spec", spec)
        object.__setattr__(self, "params", {**own, **spec.check_bound(bound)})

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Initializer objects are immutable; make a new one")

    @property
    def name(self) -> str:
        return self.spec.name

    def __call__(self, shape: Any, dtype: Any = None, rng: Any = None, *, out: Any = None,
                 region: Any = None, device: Any = None) -> Any:
        """Values for ``shape``. ``dtype``, ``rng`` and ``device`` default to the bound
        ones (float32, None = fresh entropy, "cpu" unless bound otherwise)."""
        kw = dict(self.params)
        if dtype is not None:
            kw["dtype"] = dtype
        if rng is not None:
            kw["rng"] = rng
        if device is not None:
            kw["device"] = device
        return self.spec.fn(shape, out=out, region=region, **kw)

    def get_config(self) -> dict[str, Any]:
        """Every parameter as JSON types, plus ``"scheme"``: ``from_config`` rebuilds an
        equal initializer."""
        return {"scheme": self.spec.name, **{k: _json(v) for k, v in self.params.items()}}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Initializer:
        return from_config(config)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Initializer):
            return NotImplemented
        return self.spec is other.spec and self.params == other.params

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        d = {**self.spec.defaults, "dtype": "float32", "rng": None, "device": "cpu",
             **AXIS_DEFAULTS}
        shown = [f"{k}={v!r}" for k, v in self.params.items()
                 if d.get(k, REQUIRED) is REQUIRED or _json(v) != _json(d[k])]
        return f"winit.{self.spec.name}({', '.join(shown)})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.spec.name, self.params))


def _rebuild(name: str, params: dict[str, Any]) -> Initializer:
    return Initializer(name, **params)


def from_config(config: dict[str, Any]) -> Initializer:
    """The initializer of a ``get_config()`` dict (``"scheme"`` may be an alias).
    Invalid values raise the same errors as the functions."""
    if not isinstance(config, dict) or "scheme" not in config:
        raise ValueError("Argument `config` must be a dict with a 'scheme' key (from "
                         f"Initializer.get_config()). Received: config={config!r}")
    cfg = dict(config)
    return Initializer(cfg.pop("scheme"), **cfg)
