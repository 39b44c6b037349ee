"""The Keras 3 initializer classes, generated from the scheme registry.

One class per registered scheme (``winit.SCHEMES``), CamelCase of the function name
(``uniform`` -> ``RandomUniform``, ``normal`` -> ``RandomNormal`` as in Keras), plus
``HeUniform``/``HeNormal``/``XavierUniform``/``XavierNormal`` as registered
subclasses of the Kaiming/Glorot classes. Nothing about a scheme is written here:
its parameters, defaults and validation come from ``winit.get_scheme(name)`` and
the values from the bound ``winit.Initializer``. This module adds the Keras parts:
seeds and conversion to the backend tensor (winit/keras/_backend.py), dtypes, configs and
registration.
"""
from __future__ import annotations

import inspect
import json
import random as _pyrandom
import re
import textwrap
from typing import Any

import keras
import numpy as np

from .. import _validate as V
from .._fans import DEFAULT_IN_AXIS, DEFAULT_OUT_AXIS, compute_fans
from .._generator import Generator, draw_seed, resolve_rng
from .._initializer import Initializer as _WinitInitializer
from ._axes import AXIS_ARGS, KERAS_AXIS_ARGS, _as_list, _check_keras_axes
from ._backend import (_check_seed, _empty_aligned, _is_traced, draw_state, seed_to_generator,
                       state_to_generator, to_tensor)
from .._registry import AXIS_PARAMS, REQUIRED, SCHEMES, Scheme, unknown_arguments

__all__ = ["WinitInitializer", "CLASSES", "ALIAS_CLASSES", "seed_to_generator", "to_tensor"]

PACKAGE = "winit"

# Keras' names where CamelCase of the function name is not it.
_CLASS_NAME = {"uniform": "RandomUniform", "normal": "RandomNormal"}
# Registered alias classes (Keras' He*/the Xavier spelling): alias -> canonical scheme.
_ALIAS_CLASS = {"HeUniform": "kaiming_uniform", "HeNormal": "kaiming_normal",
                "XavierUniform": "glorot_uniform", "XavierNormal": "glorot_normal"}
# The one default the facade adds: the functional sparse_init has no default for
# `sparsity`, but Keras builds an initializer from a bare string identifier
# (`kernel_initializer="winit>SparseInit"`, `keras.initializers.get(...)`) with no
# arguments. 0.1 is the value of torch.nn.init.sparse_'s example.
FACADE_DEFAULTS = {"sparse_init": {"sparsity": 0.1}}

_PARAM_DOC = {  # what a parameter means (its default and validation come from the registry)
    "value": "the fill value (real or complex; complex is stored as {'real', 'imag'}).",
    "low": "lower bound (inclusive).", "high": "upper bound (exclusive).",
    "mean": "mean of the normal.",
    "std": "standard deviation of the normal (before truncation for TruncatedNormal).",
    "lo": "lower truncation bound (absolute, or in units of `std` with bounds='std').",
    "hi": "upper truncation bound (absolute, or in units of `std` with bounds='std').",
    "bounds": "'absolute' (lo/hi are values) or 'std' (lo/hi are multiples of std around "
              "mean, as Keras/JAX).",
    "scale": "target variance is scale / n, n the fan chosen by `mode`.",
    "mode": "which fan: 'fan_in', 'fan_out', 'fan_avg' or 'fan_geo_avg'.",
    "distribution": "the distribution of the values ('untruncated_normal', Keras' name, is "
                    "read as 'normal').",
    "gain": "multiplies the standard deviation (or the orthogonal matrix); "
            "`winit.calculate_gain(nonlinearity)` gives torch's table.",
    "groups": "number of groups of output channels (a grouped convolution).",
    "shift": "roll the result circularly along axis 0 (int) or axes 0, 1, ... (tuple).",
    "sparsity": "fraction of each input unit's outgoing weights that are zero "
                "(exactly ceil(sparsity * fan_out) of them).",
    "small_rank": "shapes of rank <= 1 (biases): 'fans' (default: (n,) read as (n, n)), "
                  "'zeros' (zeros, GoMLX's bias rule) or 'error' (raise, as torch/JAX).",
    "in_axis": "input axis or axes of the kernel for the fans (JAX semantics).",
    "out_axis": "output axis or axes of the kernel for the fans (JAX semantics).",
    "batch_axis": "axes counted in neither fan (JAX semantics).",
    "input_axes": "Keras' name and semantics: the kernel's input axes (a list); with "
                  "`output_axes`, fan_in is the product of their sizes, fan_out that of "
                  "`output_axes`, and every other axis counts in neither fan. None (default): "
                  "`in_axis`/`out_axis`/`batch_axis` decide, and Keras' `EinsumDense` (so "
                  "`MultiHeadAttention`) passes the kernel's real axes here, as to its own "
                  "VarianceScaling classes.",
    "output_axes": "Keras' name and semantics: the kernel's output axes (a list); see "
                   "`input_axes`.",
}


# ------------------------------------------------------------------ the base class

class WinitInitializer(keras.initializers.Initializer):  # type: ignore[misc]  # (untyped Keras)
    """Base of every ``winit.keras`` initializer: a ``winit`` scheme with bound
    parameters plus a Keras seed. Subclasses set ``scheme`` and nothing else.

    ``init(shape, dtype=None)`` generates ``winit.<scheme>(shape, **params,
    dtype=dtype, rng=<seed mapping>)`` directly in ``dtype`` (None: ``keras.config.floatx()``)
    and returns it as a backend tensor of exactly that shape and dtype.
    """

    scheme: Scheme  # set by each subclass
    _signature: inspect.Signature

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        cls = type(self)
        try:
            ba = cls._signature.bind(*args, **kwargs)
        except TypeError as e:
            names = cls._signature.parameters
            if any(k not in names for k in kwargs):  # "did you mean", as winit's functions
                raise unknown_arguments(cls.__name__, [k for k in kwargs if k not in names],
                                        self.scheme.param_names, names) from None
            raise TypeError(f"{cls.__name__}(): {e}. Its arguments are {', '.join(names)}") from None
        ba.apply_defaults()
        a = dict(ba.arguments)
        seed = a.pop("seed")
        self._init_seed = seed
        seed = _check_seed(seed)
        if seed is None and self.scheme.random:
            default = resolve_rng(None)  # winit.seed's generator; else as Keras (set_random_seed)
            seed = _pyrandom.randint(1, int(1e9)) if default is None else draw_seed(default)
        self.seed = seed
        keras_axes = {k: a.pop(k) for k, _ in KERAS_AXIS_ARGS if k in a}
        for o in self.scheme.options:  # (in the config only when set: configs as before)
            if o.name in a and a[o.name] == o.default:
                del a[o.name]
        if "value" in a:  # Keras' Constant takes backend tensors and its own serialized arrays
            a["value"] = _host_value(a["value"])
        # the one validation place (winit.Scheme.check): ValueError/TypeError naming the
        # parameter and the value received
        self._winit = _WinitInitializer(self.scheme, **a)
        self._args = a
        self._keys = tuple(a)
        self._keras_axes = _check_keras_axes(keras_axes, a) if keras_axes else None
        self._by_ndim: dict[int, _WinitInitializer] = {}

    def __getattr__(self, name: str) -> Any:  # init.gain, init.sparsity, ...
        d = self.__dict__
        if "_winit" in d and name in d.get("_keys", ()):
            return d["_winit"].params[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _initializer_for(self, shape: Any) -> _WinitInitializer:
        """The bound winit initializer of a call: with Keras' ``input_axes``/
        ``output_axes``, one per rank whose ``batch_axis`` is every other axis."""
        if self._keras_axes is None:
            return self._winit
        ndim = len(V.shape(shape))
        init = self._by_ndim.get(ndim)
        if init is None:
            ins, outs = self._keras_axes
            rest = sorted(set(range(ndim)) - {x % ndim for x in (*ins, *outs)
                                              if -ndim <= x < ndim})
            init = _WinitInitializer(self.scheme, **{**self._args, "in_axis": tuple(ins),
                                                     "out_axis": tuple(outs),
                                                     "batch_axis": tuple(rest)})
            self._by_ndim[ndim] = init
        return init

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        dtype = keras.backend.standardize_dtype(dtype or keras.config.floatx())
        init = self._initializer_for(shape)
        rng = None
        if self.scheme.random:
            if isinstance(self.seed, keras.random.SeedGenerator):
                state = draw_state(self.seed)
                if _is_traced(state):  # a traced seed state: generate in a host callback
                    return self._traced_call(init, shape, dtype, state)
                rng = state_to_generator(keras.ops.convert_to_numpy(state))
            else:
                rng = Generator(self.seed)
        return to_tensor(self._values(init, shape, dtype, rng), dtype)

    def _values(self, init: _WinitInitializer, shape: Any, dtype: str,
                rng: Generator | None) -> np.ndarray:
        """The values on the host, generated directly in ``dtype``."""
        try:
            dt = np.dtype(dtype) if dtype != "bfloat16" else np.dtype(_bfloat16())
        except TypeError:
            dt = None
        if dt is not None and dt in self.scheme.dtypes:
            shape = V.shape(shape)
            V.allocatable(shape, dt)  # winit's MemoryError, before anything is allocated
            out = _empty_aligned(shape, dt)
            values: np.ndarray = init(shape, dtype=dt, rng=rng, out=out)
            return values
        # (winit's TypeError naming the accepted dtypes)
        return init(shape, dtype=dtype, rng=rng)  # type: ignore[no-any-return]

    def _traced_call(self, init: _WinitInitializer, shape: Any, dtype: str,
                     state: Any) -> Any:
        """Inside a jax trace whose seed state is itself traced: the same values as the
        eager call with that state, made on the host by ``jax.pure_callback``."""
        import jax
        shape = V.shape(shape)
        dt = V.dtype(dtype, self.scheme.dtypes)  # the errors now, not inside the callback
        if self.scheme.axes:
            compute_fans(shape, **{k: init.params[k] for k in AXIS_PARAMS})

        def host(st: Any) -> np.ndarray:
            return self._values(init, shape, dtype, state_to_generator(st))

        struct: Any = jax.ShapeDtypeStruct  # (untyped)
        return jax.pure_callback(host, struct(shape, dt), state)

    def get_config(self) -> dict[str, Any]:
        """Every constructor argument, JSON types only (``from_config`` rebuilds it)."""
        winit_cfg = self._winit.get_config()  # JSON forms: tuples -> lists, complex -> dict
        cfg = {k: winit_cfg[k] for k in self._keys}
        cfg["seed"] = keras.saving.serialize_keras_object(self._init_seed)
        if "input_axes" in self._signature.parameters:
            ins, outs = self._keras_axes or (None, None)
            cfg["input_axes"] = None if ins is None else list(ins)
            cfg["output_axes"] = None if outs is None else list(outs)
        return cfg

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> WinitInitializer:
        """``cls(**config)``; an invalid config (a value out of range, an unknown key)
        is a ValueError that names the class, the argument and the value."""
        if not isinstance(config, dict):
            raise ValueError(f"winit.keras.{cls.__name__}: the config must be a dict. "
                             f"Received: config={config!r}")
        try:
            return cls(**config)
        except (TypeError, ValueError) as e:
            # (Keras rewrites a TypeError from from_config into a hint about nested
            # objects, which is not the problem here.)
            raise ValueError(f"winit.keras.{cls.__name__} cannot be built from this config: "
                             f"{str(e).rstrip('.')} (config: {config!r})") from e

    def _seed_key(self) -> Any:
        if isinstance(self.seed, keras.random.SeedGenerator):
            return json.dumps(keras.saving.serialize_keras_object(self.seed), sort_keys=True)
        return self.seed  # the int given or drawn (None: deterministic scheme)

    def __eq__(self, other: object) -> bool:
        """Same class, same parameters, same seed: an int seed (given, or drawn for
        seed=None) or a SeedGenerator's config (its initial seed, not its position).
        So ``cls.from_config(init.get_config()) == init`` unless ``init`` was made with
        seed=None (the copy draws its own seed, as in Keras)."""
        if not isinstance(other, WinitInitializer):
            return NotImplemented
        return (type(self) is type(other) and self._winit == other._winit
                and self._keras_axes == other._keras_axes
                and self._seed_key() == other._seed_key())

    def __hash__(self) -> int:
        return hash((type(self), json.dumps(self._winit.get_config(), sort_keys=True),
                     self._keras_axes))

    def __repr__(self) -> str:
        cfg = self.get_config()
        defaults = {k: p.default for k, p in self._signature.parameters.items()}
        shown = [f"{k}={v!r}" for k, v in cfg.items()
                 if k == "seed" or _jsonish(defaults.get(k)) != v]
        return f"winit.keras.{type(self).__name__}({', '.join(shown)})"


class WinitVarianceScaling(WinitInitializer, keras.initializers.VarianceScaling):  # type: ignore[misc]
    """Base of the variance-scaling family (``VarianceScaling``, ``Glorot*``,
    ``Kaiming*``/``He*``, ``Lecun*``: the schemes that read the fans): a subclass of
    ``keras.initializers.VarianceScaling`` too, so Keras' layers treat it as one of
    theirs: ``EinsumDense`` (and so ``MultiHeadAttention``) passes the kernel's real
    input/output axes (Keras >= 3.15) through ``from_config(config + input_axes,
    output_axes)``. Everything else is ``WinitInitializer``'s (winit's values, seeds,
    configs); Keras' ``VarianceScaling.__init__``/``__call__`` are not used.

    Keras' attributes read as Keras' class does: ``scale`` (the variance factor:
    ``scale``, or ``gain ** 2``), ``mode``, ``distribution`` (winit's name, where
    ``"normal"`` is the untruncated normal), ``input_axes``/``output_axes`` (the Keras
    axes given; the explicit ``in_axis``/``out_axis`` as lists when those were given
    instead, so that a layer keeps them; None when neither, so that a layer may supply
    them).
    """

    @property
    def scale(self) -> float:
        p = self._winit.params
        return float(p["scale"]) if "scale" in p else float(p["gain"]) ** 2

    @property
    def mode(self) -> str:
        return str(self._winit.params.get("mode", "fan_avg"))  # (glorot: fan_avg)

    @property
    def distribution(self) -> str:
        return str(self._winit.params.get("distribution", "uniform"))  # (*_uniform)

    def _explicit_winit_axes(self) -> bool:
        p = self._winit.params
        return not (p["in_axis"] == DEFAULT_IN_AXIS and p["out_axis"] == DEFAULT_OUT_AXIS
                    and p["batch_axis"] == ())

    @property
    def input_axes(self) -> list[int] | None:
        if self._keras_axes is not None:
            return list(self._keras_axes[0])
        return _as_list(self._winit.params["in_axis"]) if self._explicit_winit_axes() else None

    @property
    def output_axes(self) -> list[int] | None:
        if self._keras_axes is not None:
            return list(self._keras_axes[1])
        return _as_list(self._winit.params["out_axis"]) if self._explicit_winit_axes() else None


def _host_value(v: Any) -> Any:
    """A Constant value as Keras' Constant takes it, on the host: Keras' serialized
    array (``{"class_name": "__numpy__" or "__tensor__", ...}``, what Keras' own
    ``Constant.get_config`` writes), a ``keras.Variable`` or a backend tensor become
    numpy arrays; numbers, lists and numpy arrays pass as they are (``winit.constant``
    reads them: complex values as ``{"real", "imag"}``)."""
    if isinstance(v, dict) and "class_name" in v:
        v = keras.saving.deserialize_keras_object(v)
    if isinstance(v, keras.Variable):
        v = v.value
    if keras.ops.is_tensor(v):
        v = keras.ops.convert_to_numpy(v)
    return v


def _jsonish(v: Any) -> Any:
    return [_jsonish(x) for x in v] if isinstance(v, tuple) else v


def _bfloat16() -> Any:
    import ml_dtypes
    return ml_dtypes.bfloat16


# ------------------------------------------------------------------ class generation

def class_name(scheme: str) -> str:
    return _CLASS_NAME.get(scheme) or "".join(w.capitalize() for w in scheme.split("_"))


def _signature(spec: Scheme) -> inspect.Signature:
    pk, kw = inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY
    extra = FACADE_DEFAULTS.get(spec.name, {})
    params = []
    for p in spec.params:
        d = extra.get(p.name, p.default)
        params.append(inspect.Parameter(p.name, pk, default=inspect.Parameter.empty
                                        if d is REQUIRED else d))
    params.append(inspect.Parameter("seed", pk, default=None))
    params += [inspect.Parameter(o.name, kw, default=o.default) for o in spec.options]
    if spec.axes:
        params += [inspect.Parameter(k, kw, default=d) for k, d in AXIS_ARGS]
    if spec.fans:
        params += [inspect.Parameter(k, kw, default=d) for k, d in KERAS_AXIS_ARGS]
    return inspect.Signature(params)


def _docstring(name: str, spec: Scheme, sig: inspect.Signature, alias_of: str | None) -> str:
    body = textwrap.dedent((spec.fn.__doc__ or "").split("\n    Common arguments")[0]).strip()
    extra = FACADE_DEFAULTS.get(spec.name, {})
    lines = [f"{spec.summary}" if not alias_of else f"Alias of `{alias_of}` ({spec.summary})",
             "", body if body != spec.summary else "", "",
             f"The Keras 3 initializer of ``winit.{spec.name}``: with an int seed ``S``,",
             f"``{name}(seed=S, **params)(shape, dtype)`` holds the bits of",
             f"``winit.{spec.name}(shape, **params, dtype=dtype, rng=S)`` on every backend.",
             "The values are generated on the host directly in ``dtype`` and converted",
             "with ``keras.ops.convert_to_tensor``."]
    if not spec.random:
        lines += ["Deterministic: ``seed`` is accepted (one signature for every class) and "
                  "has no effect."]
    if spec.fans:
        lines += ["", "A subclass of ``keras.initializers.VarianceScaling`` too: Keras'",
                  "``EinsumDense`` and ``MultiHeadAttention`` give it their kernel's input and",
                  "output axes (``input_axes``/``output_axes``), as to Keras' own classes."]
    if spec.name == "constant":
        lines += ["", "``value`` may be an array (a list, numpy array, backend tensor or",
                  "``keras.Variable``), broadcast to the shape by numpy's rules; the config",
                  "stores it as nested lists."]
    if spec.aliases:
        lines += ["", "Also known as: " + ", ".join(f"``winit.{a}``" for a in spec.aliases) + "."]
    if extra:
        lines += ["", "Unlike the function, " + ", ".join(f"``{k}`` defaults to {v!r}" for k, v
                                                         in extra.items()) +
                  " here, so a bare string identifier builds it."]
    ex_args = {"constant": "value=0.5, ", "sparse_init": "sparsity=0.3, "}.get(spec.name, "")
    layer = ("keras.layers.Conv2D(16, 3, kernel_initializer=init)"
             if spec.name in ("dirac", "delta_orthogonal") else
             "keras.layers.Dense(32, kernel_initializer=init)")
    shape = "(3, 3, 16, 32)" if spec.name in ("dirac", "delta_orthogonal") else "(64, 32)"
    lines += ["", "Examples:", "    >>> import keras, winit.keras",
              f"    >>> init = winit.keras.{name}({ex_args}seed=0)",
              f"    >>> values = init({shape})                # standalone",
              f"    >>> layer = {layer}",
              f"    >>> layer = keras.layers.Dense(32, kernel_initializer=\"winit>{name}\")",
              "", "Args:"]
    for pname, p in sig.parameters.items():
        if pname == "seed":
            doc = ("None (default: an int drawn at construction from winit's default generator "
                   "if `winit.seed` set one, else from Python's `random` (reproduced by "
                   "`keras.utils.set_random_seed`); stored as null), an int "
                   "(every call gives the same values) or a `keras.random.SeedGenerator` "
                   "(each call advances it).")
        else:
            reg = next((q.doc for q in spec.params if q.name == pname), "")
            doc = reg or _PARAM_DOC.get(pname, "")
        default = "" if p.default is inspect.Parameter.empty else f" Default {p.default!r}."
        lines.append(f"    {pname}: {doc}{default}")
    lines += ["", "Call: ``init(shape, dtype=None)`` -> a backend tensor of exactly ``shape`` and "
              "``dtype``", "(None: ``keras.config.floatx()``)."]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _make(name: str, spec: Scheme, base: type = WinitInitializer,
          alias_of: str | None = None) -> type:
    sig = _signature(spec)
    ns = {"scheme": spec, "_signature": sig, "__module__": "winit.keras", "__qualname__": name,
          "__doc__": _docstring(name, spec, sig, alias_of)}
    cls = type(name, (base,), ns)
    init_sig = sig.replace(parameters=[inspect.Parameter("self",
                                                         inspect.Parameter.POSITIONAL_ONLY),
                                       *sig.parameters.values()])

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        WinitInitializer.__init__(self, *args, **kwargs)

    __init__.__signature__ = init_sig  # type: ignore[attr-defined]
    __init__.__qualname__ = f"{name}.__init__"
    __init__.__module__ = "winit.keras"
    cls.__init__ = __init__  # type: ignore[misc]
    registered: type = keras.saving.register_keras_serializable(package=PACKAGE, name=name)(cls)
    return registered


CLASSES: dict[str, type] = {
    class_name(n): _make(class_name(n), s, WinitVarianceScaling if s.fans else WinitInitializer)
    for n, s in SCHEMES.items()}
ALIAS_CLASSES: dict[str, type] = {
    a: _make(a, SCHEMES[n], base=CLASSES[class_name(n)], alias_of=class_name(n))
    for a, n in _ALIAS_CLASS.items()}
