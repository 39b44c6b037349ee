"""``Initializer``: a scheme with its parameters bound and validated once (what a call
without a shape returns, what ``from_config`` rebuilds, what the faces wrap). A call
makes a plan with the bound, already-checked arguments and runs it."""
from __future__ import annotations

from typing import Any

import numpy as np

from ._fans import check_axis, check_layout
from ._generator import Generator
from ._plan import check_device, check_rng, plan, run
from ._registry import (AXIS_DEFAULTS, AXIS_PARAMS, REQUIRED, Scheme, get_scheme,
                        unknown_arguments)
from ._validate import dtype as check_dtype

__all__ = ["Initializer", "from_config"]


def _json(v: Any) -> Any:
    if isinstance(v, tuple):
        return [_json(x) for x in v]
    if isinstance(v, complex):
        return {"real": v.real, "imag": v.imag}
    if isinstance(v, np.ndarray):  # an array constant: nested lists
        if v.dtype.kind == "c":
            return {"real": v.real.tolist(), "imag": v.imag.tolist()}
        return v.tolist()
    if isinstance(v, Generator):
        st = v.__getstate__()
        return {"generator": dict(st, spawn_key=list(st["spawn_key"]))}
    if isinstance(v, dict):
        return {k: _json(x) for k, x in v.items()}
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

    __slots__ = ("spec", "params", "_own", "_axes")
    spec: Scheme
    params: dict[str, Any]
    _own: dict[str, Any]
    _axes: tuple[Any, ...]

    def __init__(self, scheme: str | Scheme, **params: Any) -> None:
        spec = scheme if isinstance(scheme, Scheme) else get_scheme(scheme)
        bound = {k: params.pop(k) for k in list(params) if k not in spec._names}
        allowed = set(spec.bound_params) - set(spec.param_names)
        extra = set(bound) - allowed - (set(AXIS_PARAMS) if not spec.axes else set())
        if extra:
            raise unknown_arguments(spec.name, extra, spec.param_names + spec.option_names,
                                    spec.bound_params, what="argument")
        axes = tuple(check_layout(bound.pop(k, AXIS_DEFAULTS[k])) if k == "layout" else
                     check_axis(bound.pop(k, AXIS_DEFAULTS[k]), k) for k in AXIS_PARAMS)
        own = spec.check(params)
        common = {"dtype": str(check_dtype(bound.get("dtype", "float32"), spec.dtypes)),
                  "rng": check_rng(bound.get("rng")),
                  "device": check_device(bound.get("device", "cpu"))}
        if spec.axes:
            common.update(zip(AXIS_PARAMS, axes))
        else:  # accepted for the common signature, unused
            axes = tuple(AXIS_DEFAULTS[k] for k in AXIS_PARAMS)
        object.__setattr__(self, "spec", spec)
        object.__setattr__(self, "_own", own)
        object.__setattr__(self, "_axes", axes)
        object.__setattr__(self, "params", {**own, **common})

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Initializer objects are immutable; make a new one")

    @property
    def name(self) -> str:
        return self.spec.name

    def __call__(self, shape: Any, dtype: Any = None, rng: Any = None, *, out: Any = None,
                 region: Any = None, device: Any = None) -> Any:
        """Values for ``shape``. ``dtype``, ``rng`` and ``device`` default to the bound
        ones (float32, None = fresh entropy, "cpu" unless bound otherwise)."""
        b = self.params
        return run(plan(self.spec, shape, self._own, b["dtype"] if dtype is None else dtype,
                        b["rng"] if rng is None else rng,
                        b["device"] if device is None else device, out, region, *self._axes,
                        checked=True))

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
        return self.spec is other.spec and _json(self.params) == _json(other.params)

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
