"""The scheme registry: what a scheme is (``Scheme``), its parameters (``Param``) and
their validators, and the tables every face reads (``SCHEMES``, ``ALIASES``).

A scheme is one of two kinds:

- a *plain fill* (``sample`` set): its values are one fill of the C core -- uniform,
  normal, truncated normal (the variance-scaling family included) -- or a constant
  (zeros, ones, constant). ``sample(params, dtype, fans, shape)`` returns the ``Sample`` of the call;
  the plan engine (``winit._plan``) runs it on the CPU or the GPU.
- a *structured* scheme (``build`` set): orthogonal, delta-orthogonal, sparse,
  identity, dirac; ``build(plan)`` assembles the result from fills of the same engine.

Nothing here allocates or draws a value."""
from __future__ import annotations

import difflib
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from . import _validate as V
from ._fans import DEFAULT_IN_AXIS, DEFAULT_OUT_AXIS, check_axis, check_layout

if TYPE_CHECKING:
    from ._plan import Plan, Sample  # noqa: F401

__all__ = ["Scheme", "Param", "SCHEMES", "ALIASES", "REQUIRED", "get_scheme", "unknown_arguments"]

FLOAT_DTYPES = V.REAL_DTYPES
INEXACT_DTYPES = V.REAL_DTYPES + V.COMPLEX_DTYPES
INT_DTYPES = tuple(np.dtype(t) for t in (np.int8, np.int16, np.int32, np.int64, np.uint8,
                                         np.uint16, np.uint32, np.uint64, np.bool_))
ANY_DTYPES = INEXACT_DTYPES + INT_DTYPES


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()  # default of a parameter that has none (sparse_init's sparsity)

# ------------------------------------------------------------------ parameter checks
# Each takes (value, name) and returns the normalised value or raises ValueError /
# TypeError naming the parameter and the value received.


finite: Callable[[Any, str], float] = V.real


def nonneg(v: Any, name: str) -> float:
    return V.real(v, name, False, 0.0)


def positive(v: Any, name: str) -> float:
    return V.real(v, name, False, 0.0, True)


def bound(v: Any, name: str) -> float:
    return V.real(v, name, True)


def unit_interval(v: Any, name: str) -> float:
    x = V.real(v, name)
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"Argument `{name}` must be in [0, 1]. Received: {name}={v!r}")
    return x


def pos_int(v: Any, name: str) -> int:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"Argument `{name}` must be a positive int. "
                        f"Received: {name}={v!r} of type {type(v).__name__}")
    if v < 1:
        raise ValueError(f"Argument `{name}` must be a positive int. Received: {name}={v!r}")
    if v > V.INT64_MAX:
        raise ValueError(f"Argument `{name}` must be < 2**63. Received: {name}={v!r}")
    return int(v)


def shift(v: Any, name: str) -> int | tuple[int, ...]:
    """An int or a tuple of ints (a roll per axis), each of magnitude < 2**63."""
    s = check_axis(v, name)
    for x in (s,) if isinstance(s, int) else s:
        if abs(x) > V.INT64_MAX:
            raise ValueError(f"Argument `{name}` must hold ints of magnitude < 2**63. "
                             f"Received: {name}={v!r}")
    return s


def value(v: Any, name: str) -> Any:
    """A constant: a real or complex scalar (``number``), or an array of them -- a numpy
    array, a (nested) list or tuple, anything with ``__array__`` (a framework's tensor) --
    as a read-only numpy array (0-d: the scalar). No NaN; {"real": x, "imag": y} is read
    as complex (get_config's JSON form, for scalars and nested lists alike)."""
    if isinstance(v, dict) and set(v) == {"real", "imag"} and not all(
            isinstance(x, (list, tuple)) for x in v.values()):
        return number(v, name)
    if isinstance(v, (int, float, complex, np.number, bool, np.bool_, str)) or v is None:
        return number(v, name)
    try:
        if isinstance(v, dict) and set(v) == {"real", "imag"}:
            a = np.asarray(v["real"], dtype=np.float64) + 1j * np.asarray(v["imag"], np.float64)
        else:
            a = np.asarray(v)
    except (ValueError, TypeError) as e:
        raise TypeError(f"Argument `{name}` must be a number or an array of numbers. "
                        f"Received: {name}={v!r} ({e})") from None
    if a.dtype.kind not in "biufc":
        raise TypeError(f"Argument `{name}` must be a number or an array of numbers. "
                        f"Received: {name} of type {type(v).__name__} and dtype {a.dtype}")
    if a.dtype.kind in "fc" and np.isnan(a).any():
        raise ValueError(f"Argument `{name}` must not hold NaN. Received: {name}={v!r}")
    if a.ndim == 0:
        return number(a.item(), name)
    a = np.array(a)  # a copy the caller cannot change
    a.flags.writeable = False
    return a


def number(v: Any, name: str) -> float | complex:
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


def choice(*options: str, aliases: dict[str, str] | None = None) -> Callable[[Any, str], str]:
    def check(v: Any, name: str) -> str:
        if aliases and isinstance(v, str) and v in aliases:
            return aliases[v]
        return cast(str, V.choice(v, name, options))
    check.options = options  # type: ignore[attr-defined]
    return check


MODES = ("fan_in", "fan_out", "fan_avg", "fan_geo_avg")

# The axis arguments: bound by an Initializer of a scheme that reads axes (and keys of
# its config); accepted and type-checked by every scheme's function.
AXIS_PARAMS = ("in_axis", "out_axis", "batch_axis", "layout")
AXIS_DEFAULTS: dict[str, Any] = {"in_axis": DEFAULT_IN_AXIS, "out_axis": DEFAULT_OUT_AXIS,
                                 "batch_axis": (), "layout": None}


def check_axes(in_axis: Any, out_axis: Any, batch_axis: Any, layout: Any
               ) -> tuple[Any, Any, Any, str | None]:
    if type(in_axis) is int and type(out_axis) is int and batch_axis == () and (
            layout is None or layout == "torch" or layout == "keras"):
        return in_axis, out_axis, (), layout  # the common case
    return (check_axis(in_axis, "in_axis"), check_axis(out_axis, "out_axis"),
            check_axis(batch_axis, "batch_axis"), check_layout(layout))


# ------------------------------------------------------------------ unknown arguments
# Other libraries' names for winit's arguments (Keras/JAX stddev, minval/maxval, seed;
# torch a/b, generator; scipy loc/scale): each -> winit's names, the first one the callee
# takes is suggested. (rng -> seed: winit.keras' classes take Keras' `seed`.)
WELL_KNOWN = {
    "stddev": ("std",), "sigma": ("std",), "sd": ("std",), "scale": ("std",),
    "loc": ("mean",), "mu": ("mean",), "minval": ("low", "lo"), "maxval": ("high", "hi"),
    "a": ("lo", "low", "gain"), "b": ("hi", "high"), "lower": ("lo", "low"), "upper": ("hi", "high"),
    "seed": ("rng",), "key": ("rng", "seed"), "generator": ("rng", "seed"),
    "random_state": ("rng", "seed"), "rng": ("seed",), "dist": ("distribution",),
    "fan": ("mode",), "nonlinearity": ("gain",), "negative_slope": ("gain",),
}
_HINTS = {
    "rng": "it takes an int seed, a winit.Generator or None",
    "gain": "torch's nonlinearity/a is gain=winit.calculate_gain('leaky_relu', a)",
}


def unknown_arguments(fn: str, unknown: Any, own: Any, common: Any = (),
                      what: str = "keyword argument") -> TypeError:
    """The TypeError of keywords ``fn`` does not take: each with "did you mean" (another
    library's name for a valid one -- ``WELL_KNOWN`` -- or the closest valid names by
    ``difflib``), then the valid names: ``own`` (the scheme's parameters), ``common``.
    ``what``: "argument" where the names may be a config's keys (Initializer, from_config)."""
    own, common = tuple(own), tuple(c for c in common if c not in own)
    valid = own + common
    parts = []
    for name in sorted(map(str, unknown)):
        known = [w for w in WELL_KNOWN.get(name, ()) if w in valid][:1]
        sugg = known or difflib.get_close_matches(name, valid, n=3, cutoff=0.6)
        text = f"{name!r}"
        if sugg:
            hint = f"; {_HINTS[known[0]]}" if known and known[0] in _HINTS else ""
            text += f" (did you mean {' or '.join(f'{w}=' for w in sugg)}?{hint})"
        parts.append(text)
    s = "s" if len(parts) > 1 else ""
    listing = f"Its parameters are {', '.join(own) or '(none)'}" + (
        f"; common arguments: {', '.join(common)}" if common else "")
    an = "" if s else "an "
    return TypeError(f"{fn}() got {an}unexpected {what}{s} {', '.join(parts)}. {listing}")


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


@dataclass(frozen=True, eq=False)
class Scheme:
    """A registered scheme.

    Attributes:
        name: canonical name (``"glorot_uniform"``); ``aliases``: other names.
        params: the scheme's own parameters (``Param``), in signature order.
        options: keyword-only parameters added later (``small_rank``): after ``params`` in
            the signature; in ``check``'s result (so in ``params`` and configs) only when
            given a value other than their default, so existing configs stay as they were.
        sample: plain fills: ``(params, dtype, fans, shape) -> Sample``; ``build``:
            structured schemes, ``plan -> result``. Exactly one is set.
        random: takes a stream of ``rng`` (deterministic schemes ignore ``rng``).
        axes: reads ``in_axis``/``out_axis``/``batch_axis``/``layout`` (these are then
            bound parameters of its initializers and keys of its config).
        fans: ``sample`` reads the fans (the plan computes them once).
        shardable: ``region=`` gives exactly the slice of the whole.
        dtypes: the dtypes it accepts.
        positional: its parameters may also be given positionally after ``shape``.
        relation: a check across parameters (``low <= high``), after each one's own.
    """
    name: str
    params: tuple[Param, ...]
    options: tuple[Param, ...] = ()
    sample: Callable[[dict[str, Any], np.dtype[Any], tuple[int, int] | None, tuple[int, ...]],
                     Sample] | None = field(default=None, repr=False)
    build: Callable[[Plan], Any] | None = field(default=None, repr=False)
    aliases: tuple[str, ...] = ()
    random: bool = True
    axes: bool = False
    fans: bool = False
    shardable: bool = True
    dtypes: tuple[Any, ...] = INEXACT_DTYPES
    positional: bool = False
    relation: Callable[[dict[str, Any]], None] | None = field(default=None, repr=False)
    summary: str = ""
    doc: str = field(default="", repr=False)
    fn: Callable[..., Any] = field(default=None, repr=False)  # type: ignore[assignment]
    _names: frozenset[str] = field(default=frozenset(), init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_names", frozenset(p.name for p in self.params + self.options))

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    @property
    def option_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.options)

    @property
    def defaults(self) -> dict[str, Any]:
        """Scheme parameter -> default (``REQUIRED`` where there is none)."""
        return {p.name: p.default for p in self.params}

    @property
    def bound_params(self) -> tuple[str, ...]:
        """Every key of this scheme's ``get_config()`` besides ``"scheme"``: its own
        parameters, then dtype, rng, device and (if it reads axes) the axis arguments.
        (An option -- ``small_rank`` -- is a key only when set to another than its default.)"""
        return self.param_names + ("dtype", "rng", "device") + (AXIS_PARAMS if self.axes else ())

    @property
    def signature(self) -> inspect.Signature:
        return inspect.signature(self.fn)

    def check(self, params: dict[str, Any]) -> dict[str, Any]:
        """Validate and normalise this scheme's own parameters (missing -> default).
        The one place scheme parameters are checked: functions, Initializer,
        from_config and every face come through here."""
        if not params.keys() <= self._names:
            raise unknown_arguments(self.name, set(params) - self._names,
                                    self.param_names + self.option_names, what="argument")
        out = {}
        for p in self.params:
            v = params.get(p.name, p.default)
            if v is REQUIRED:
                raise TypeError(f"{self.name}() missing required argument `{p.name}`")
            out[p.name] = p.check(v, p.name)
        for o in self.options:
            if o.name in params:
                v = o.check(params[o.name], o.name)
                if v != o.default:
                    out[o.name] = v
        if self.relation is not None:
            self.relation(out)
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
