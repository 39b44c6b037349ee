"""The scheme catalog: every initializer registered once (its parameters, validators,
flags, docs and its sampler or builder), and its public function ``winit.<scheme>``.

Each public function has the full explicit signature ``(shape=None, <params>, *, dtype,
rng, device, out, region, in_axis, out_axis, batch_axis, layout)`` and does one thing:
``run(plan(...))`` (``winit._plan``); without a shape it returns an ``Initializer``
with the parameters bound. The functions are generated from the registry with a real
Python signature (as ``collections.namedtuple`` generates its classes): binding the
arguments costs nothing, which matters for models of hundreds of small tensors."""
from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

from . import _registry as R
from . import _sampling as S
from ._initializer import Initializer
from ._orthogonal import b_delta_orthogonal, b_orthogonal
from ._plan import plan, run
from ._registry import ALIASES, AXIS_DEFAULTS, AXIS_PARAMS, SCHEMES, Param, Scheme
from ._structured import b_dirac, b_identity_init, b_sparse_init

__all__ = ["TYPED", *sorted(["zeros", "ones", "constant", "uniform", "normal", "truncated_normal",
                             "variance_scaling", "glorot_uniform", "glorot_normal",
                             "kaiming_uniform", "kaiming_normal", "lecun_uniform",
                             "lecun_normal", "orthogonal", "delta_orthogonal", "dirac",
                             "identity_init", "sparse_init"])]

_COMMON_DOC = """

    Common arguments:
        shape: tuple of non-negative ints (an int means 1-D). Omit it to get a reusable
            ``Initializer`` with these parameters bound.
        dtype: float16, bfloat16, float32, float64, complex64 or complex128 (name or
            numpy dtype){int_note}.
        rng: a ``winit.Generator`` (each call takes its next stream), an int seed, or
            None for fresh OS entropy.
        device: "cpu" (a numpy array) or "cuda"/"cuda:N" (a GPU array, same bits).
        out: an array of the result's shape and dtype to fill in place (any strides).
        region: tuple of slices of the full shape: generate only that block{region_note}.
        in_axis, out_axis, batch_axis: the fan axes (ints or tuples, JAX semantics);
            layout: None/"keras" for ``(..., in, out)``, "torch" for ``(out, in, *k)``.
"""

_COMMON = "dtype, rng, device, out, region, in_axis, out_axis, batch_axis, layout"
_TEMPLATE = """\
def {name}(shape=None, {params}dtype="float32", rng=None, device="cpu", out=None,
           region=None, in_axis=-2, out_axis=-1, batch_axis=(), layout=None, **unknown):
    if unknown:
        raise _unknown(spec, unknown)
    if shape is None:
        return _bind(spec, {own}, dtype, rng, device, out, region, in_axis, out_axis,
                     batch_axis, layout)
    return run(plan(spec, shape, {own}, {common}))
"""


def _bind(spec: Scheme, own: dict[str, Any], dtype: Any, rng: Any, device: Any, out: Any,
          region: Any, *axes: Any) -> Initializer:
    if out is not None or region is not None:
        raise TypeError(f"{spec.name}(): `out` and `region` belong to a call with a shape; "
                        "pass them when calling the initializer")
    return Initializer(spec, **own, dtype=dtype, rng=rng, device=device,
                       **dict(zip(AXIS_PARAMS, axes)))


def _unknown(spec: Scheme, unknown: dict[str, Any]) -> TypeError:
    """An unknown keyword: "did you mean" and the valid names (``**unknown`` catches it
    so the message can say so; the signature shown leaves it out)."""
    return R.unknown_arguments(spec.name, unknown, spec.param_names + spec.option_names,
                               tuple(spec.signature.parameters)[1:])


def _function(spec: Scheme) -> Callable[..., Any]:
    """``winit.<name>``, with its real signature (its source is _TEMPLATE; the catch-all
    ``**unknown`` that words the error of an unknown keyword is left out of it)."""
    own_params = "".join(f"{p.name}, " if p.required else f"{p.name}=_d_{p.name}, "
                         for p in spec.params)
    options = "".join(f"{p.name}=_d_{p.name}, " for p in spec.options)  # keyword-only
    params = own_params + "*, " + options if spec.positional else "*, " + own_params + options
    own = "{" + ", ".join(f"{p.name!r}: {p.name}" for p in spec.params + spec.options) + "}"
    ns: dict[str, Any] = {"spec": spec, "run": run, "plan": plan, "_bind": _bind,
                          "_unknown": _unknown}
    ns.update({f"_d_{p.name}": p.default for p in spec.params + spec.options})
    assert tuple(AXIS_DEFAULTS.values()) == (-2, -1, (), None)  # as written in _TEMPLATE
    exec(_TEMPLATE.format(name=spec.name, params=params, own=own, common=_COMMON), ns)
    fn: Callable[..., Any] = ns[spec.name]
    fn.__module__ = "winit"
    sig = inspect.signature(fn)
    fn.__signature__ = sig.replace(parameters=list(sig.parameters.values())[:-1])  # type: ignore[attr-defined]
    return fn


def _register(name: str, params: list[Param], *, aliases: tuple[Any, ...] = (), summary: str,
              doc: str = "", **flags: Any) -> Callable[..., Any]:
    # the variance family (the schemes that read fans) takes the small_rank option
    if flags.get("fans"):
        flags["sample"] = S.with_small_rank(flags["sample"])
    spec = Scheme(name, tuple(params), (_small,) if flags.get("fans") else (), aliases=aliases,
                  summary=summary, doc=doc, **flags)
    fn = _function(spec)
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
_mode = R.choice(*R.MODES)
_vs_distribution = R.choice("truncated_normal", "normal", "uniform",
                             aliases={"untruncated_normal": "normal"})  # Keras' name
_normal_distribution = R.choice("normal", "truncated_normal", aliases={"untruncated_normal": "normal"})
_bounds = R.choice("absolute", "std")
# rank <= 1 shapes (biases) in the variance family: today's Keras reading, zeros, or an error
_small = P("small_rank", "fans", R.choice(*S.SMALL_RANK),
           "rank <= 1 shapes (biases, scalars): 'fans' reads (n,) with fans (n, n) and () "
           "with (1, 1) (Keras; the default), 'zeros' gives zeros (one initializer for every "
           "variable), 'error' raises (torch, JAX)")


zeros = _register("zeros", [], sample=S.s_zeros, random=False, dtypes=R.ANY_DTYPES,
                  summary="All zeros.")
ones = _register("ones", [], sample=S.s_ones, random=False, dtypes=R.ANY_DTYPES, summary="All ones.")
constant = _register("constant", [P("value", 0.0, R.value,
                                       "the fill value: a real or complex number, or an array "
                                       "broadcast to the shape")],
                     sample=S.s_constant, aliases=("full",), random=False, dtypes=R.ANY_DTYPES,
                     positional=True,
                     summary="Every element equal to `value` (or an array `value` broadcast to "
                             "the shape).")


def _low_high(p: dict[str, Any]) -> None:
    if not p["low"] <= p["high"]:
        raise ValueError(f"Argument `low` must be <= `high`. Received: low={p['low']}, "
                         f"high={p['high']}")


def _lo_hi(p: dict[str, Any]) -> None:
    S._standardised(p["mean"], p["std"], p["lo"], p["hi"], p["bounds"])


uniform = _register(
    "uniform", [P("low", 0.0, R.finite), P("high", 1.0, R.finite)], sample=S.s_uniform, positional=True,
    relation=_low_high, summary="Uniform on [low, high).",
    doc="""Uniform on [low, high): ``low + (high - low) * u``, u a multiple of 2^-24 (float32
    family) or 2^-53 (float64). Complex dtypes: uniform on the disk centred at
    (low + high) / 2 with the real variance (high - low)^2 / 12 as E|w - centre|^2.
""")
normal = _register(
    "normal", [P("mean", 0.0, R.finite), P("std", 1.0, R.nonneg)], sample=S.s_normal, positional=True,
    summary="Normal N(mean, std^2).",
    doc="""Normal N(mean, std^2) (Box-Muller). Complex dtypes: mean + a complex normal with
    E|z|^2 = std^2 (real and imaginary parts each of variance std^2 / 2).
""")
truncated_normal = _register(
    "truncated_normal", [P("mean", 0.0, R.finite), P("std", 1.0, R.positive), P("lo", -2.0, R.bound),
                         P("hi", 2.0, R.bound), P("bounds", "absolute", _bounds)],
    sample=S.s_truncated_normal, positional=True, relation=_lo_hi,
    summary="Normal N(mean, std^2) restricted to [lo, hi], by inverse CDF.",
    doc="""Normal N(mean, std^2) restricted to [lo, hi], by inverse CDF: exact in the far
    tails, no clamping, no rejection. ``bounds="absolute"`` (the default: PyTorch's
    ``trunc_normal_``, Flux, Lux) reads lo/hi = -2, 2 as values, so
    ``truncated_normal(shape, std=0.02)`` is cut at +-2 -- 100 sigma: not truncated at all.
    ``bounds="std"`` reads lo/hi in units of std around mean (JAX/Keras): the usual
    +-2 sigma init is ``truncated_normal(shape, std=0.02, bounds="std")``. Complex dtypes:
    the modulus ``|w - mean|`` is truncated (JAX's radial complex truncated normal): bounds
    must be symmetric about mean.
""")
variance_scaling = _register(
    "variance_scaling", [P("scale", 1.0, R.nonneg), P("mode", "fan_in", _mode),
                         P("distribution", "truncated_normal", _vs_distribution)],
    sample=S.s_variance_scaling, fans=True, axes=True,
    summary="Zero-mean values with variance scale / n, n a fan of the shape.",
    doc="""Zero-mean values with E|w|^2 = scale / n, n = fan_in, fan_out, (fan_in + fan_out)/2
    or sqrt(fan_in * fan_out) for mode fan_in, fan_out, fan_avg, fan_geo_avg.
    distribution "uniform": U(-sqrt(3 v), sqrt(3 v)) (complex: uniform disk);
    "normal": N(0, v) (complex normal); "truncated_normal": normal truncated at 2 sigma
    with sigma = sqrt(v) / 0.87962566103423978 so the variance is exactly v (Keras/JAX).
""")
glorot_uniform = _register(
    "glorot_uniform", [P("gain", 1.0, R.nonneg)], sample=S.s_glorot_uniform, fans=True,
    aliases=("xavier_uniform",), axes=True,
    summary="Glorot/Xavier uniform: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)).")
glorot_normal = _register(
    "glorot_normal", [P("gain", 1.0, R.nonneg), P("distribution", "normal", _normal_distribution)],
    sample=S.s_glorot_normal, fans=True, aliases=("xavier_normal",), axes=True,
    summary="Glorot/Xavier normal: std = gain * sqrt(2 / (fan_in + fan_out)).")
kaiming_uniform = _register(
    "kaiming_uniform", [P("gain", math.sqrt(2.0), R.nonneg), P("mode", "fan_in", _mode)],
    sample=S.s_kaiming_uniform, fans=True, aliases=("he_uniform",), axes=True,
    summary="Kaiming/He uniform: U(-a, a), a = gain * sqrt(3 / fan).")
kaiming_normal = _register(
    "kaiming_normal", [P("gain", math.sqrt(2.0), R.nonneg), P("mode", "fan_in", _mode),
                       P("distribution", "normal", _normal_distribution)],
    sample=S.s_kaiming_normal, fans=True, aliases=("he_normal",), axes=True,
    summary="Kaiming/He normal: std = gain / sqrt(fan).")
lecun_uniform = _register(
    "lecun_uniform", [P("gain", 1.0, R.nonneg), P("mode", "fan_in", _mode)], sample=S.s_kaiming_uniform,
    fans=True,
    axes=True, summary="LeCun uniform: U(-a, a), a = gain * sqrt(3 / fan_in) (kaiming with gain 1).")
lecun_normal = _register(
    "lecun_normal", [P("gain", 1.0, R.nonneg), P("mode", "fan_in", _mode),
                     P("distribution", "normal", _normal_distribution)],
    sample=S.s_kaiming_normal, fans=True, axes=True,
    summary="LeCun normal: std = gain / sqrt(fan_in) (kaiming with gain 1).")
orthogonal = _register(
    "orthogonal", [P("gain", 1.0, R.nonneg)], build=b_orthogonal, axes=True, shardable=False,
    summary="A Haar-random (semi-)orthogonal matrix times gain.",
    doc="""A Haar-random (semi-)orthogonal matrix times gain: the Q of the QR of a standard
    normal matrix, R's diagonal made positive. The tensor is read as the matrix
    (prod(other axes), shape[out_axis]) (default: (prod(shape[:-1]), shape[-1])); its
    columns are orthonormal if it is tall, its rows if it is wide. Complex: unitary.
""")
delta_orthogonal = _register(
    "delta_orthogonal", [P("gain", 1.0, R.nonneg)], build=b_delta_orthogonal, axes=True,
    shardable=False, summary="Delta-orthogonal convolution kernel (Xiao et al. 2018).",
    doc="""Delta-orthogonal convolution kernel (Xiao et al. 2018, as JAX): zeros except the
    centre tap ((k - 1) // 2 on each spatial axis), which holds an orthogonal (in, out)
    matrix times gain. Rank 3-5, out >= in.
""")
dirac = _register(
    "dirac", [P("groups", 1, R.pos_int)], build=b_dirac, axes=True, random=False, dtypes=R.ANY_DTYPES,
    summary="Dirac delta kernel: a convolution that copies its input channels (torch).",
    doc="""Dirac delta kernel (``torch.nn.init.dirac_`` in our layout): zeros except a 1 at the
    centre tap (k // 2) for output channel g * (out / groups) + d and input channel d,
    d < min(out / groups, in). Rank >= 3.
""")
identity_init = _register(
    "identity_init", [P("gain", 1.0, R.finite), P("shift", 0, R.shift)], build=b_identity_init,
    axes=True, random=False, dtypes=R.ANY_DTYPES,
    summary="Identity: eye (2-D) or centre tap times eye(in, out) (Flux).",
    doc="""Identity (Flux.identity_init in our layout): 1-D zeros; 2-D gain * eye(rows, cols);
    rank >= 3 zeros except the centre tap ((k - 1) // 2) of the spatial axes, which holds
    gain * eye(in, out). ``shift`` (int: axis 0; tuple: axes 0, 1, ...) rolls the result
    circularly (np.roll; Flux's circshift).
""")
sparse_init = _register(
    "sparse_init", [P("sparsity", R.REQUIRED, R.unit_interval, "the fraction of each input "
                      "unit's weights that are zero, in [0, 1]"),
                    P("std", 0.01, R.positive, "std of the non-zero weights (> 0: with std 0 "
                      "every weight would be zero, not the `sparsity` of them)")],
    build=b_sparse_init, axes=True,
    summary="Sparse: each input unit has exactly ceil(sparsity * fan_out) zero weights.",
    doc="""Sparse (Martens 2010; ``torch.nn.init.sparse_``): 2-D; for each input unit exactly
    ceil(sparsity * fan_out) of its outgoing weights are zero (at least one when sparsity
    > 0), the rest N(0, std^2), std > 0 -- and never 0 in the output dtype (a value that
    rounds to 0 there becomes its smallest subnormal of the same sign).
    The zero positions come from the rng (the ceil(...) smallest of per-element keys
    drawn from the call's auxiliary substream), so they are reproducible and any block
    (``region``) equals the slice of the whole.
""")


# ---- typed helpers (Lux's zeros32, randn16, randC64, ...)

def _typed(name: str, base: Callable[..., Any], dtype: str) -> Callable[..., Any]:
    sig = inspect.signature(base)
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


