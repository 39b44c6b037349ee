"""``winit.jax``'s initializers: ``jax.nn.initializers``' factories (names, parameters,
defaults, distributions) whose ``init(key, shape, dtype, out_sharding)`` runs a winit
scheme."""
from __future__ import annotations

import operator
import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

import winit

from ._fill import Job
from ._keys import key_words

__all__ = ["Initializer", "variance_scaling", "glorot_uniform", "glorot_normal",
           "xavier_uniform", "xavier_normal", "lecun_uniform", "lecun_normal", "he_uniform",
           "he_normal", "kaiming_uniform", "kaiming_normal", "uniform", "normal",
           "truncated_normal", "orthogonal", "delta_orthogonal", "sparse_init",
           "identity_init", "dirac", "from_winit"]

Axis = int | Sequence[int]
DTypeLike = Any
class _FactoryDtype:
    def __repr__(self) -> str:
        return "<the factory's dtype>"


_FACTORY: Any = _FactoryDtype()  # init(key, shape) without a dtype: the factory's


def _shape(shape: Any) -> tuple[int, ...]:
    """Ints, numpy or (concrete) jnp integers: a tuple of Python ints."""
    try:
        if isinstance(shape, (int, np.integer)) or (hasattr(shape, "__index__")
                                                    and getattr(shape, "ndim", 1) == 0):
            return (operator.index(shape),)
        return tuple(operator.index(d) for d in shape)
    except TypeError:
        raise TypeError("Argument `shape` must be a sequence of ints (static: not traced under "
                        f"jit). Received: shape={shape!r}") from None


def _real(v: Any, name: str) -> float:
    """A Python float of a real scalar (also a 0-d numpy/jax array)."""
    if isinstance(v, (bool, np.bool_)):
        raise TypeError(f"Argument `{name}` must be a real number. Received: {name}={v!r}")
    try:
        return float(np.asarray(v).item()) if hasattr(v, "shape") else float(v)
    except (TypeError, ValueError):
        raise TypeError(f"Argument `{name}` must be a real number. Received: {name}={v!r}") from None


def _dtype(dtype: Any, name: str, kind: str) -> np.dtype[Any]:
    """JAX's dtype: None -> the default float (float64 with jax_enable_x64); 64-bit types
    narrowed (with JAX's warning) without x64; the kind checks of ``jax.random``."""
    import jax
    import jax.numpy as jnp

    if dtype is None:
        return np.dtype(jax.dtypes.canonicalize_dtype(float))
    want = np.dtype(dtype)
    dt = np.dtype(jax.dtypes.canonicalize_dtype(want))
    if dt != want:
        warnings.warn(f"Explicitly requested dtype {want} requested in {name} is not available, "
                      f"and will be truncated to dtype {dt}. To enable more dtypes, set the "
                      "jax_enable_x64 configuration option or the JAX_ENABLE_X64 shell "
                      "environment variable.", UserWarning, stacklevel=4)
    if kind == "float" and not jnp.issubdtype(dt, jnp.floating):
        raise ValueError(f"dtype argument to `{name}` must be a float dtype, got {dt}")
    if kind == "inexact" and not jnp.issubdtype(dt, jnp.inexact):
        raise ValueError(f"dtype argument to `{name}` must be a float or complex dtype, got {dt}")
    return dt


def _sharding(out_sharding: Any, traced: bool) -> Any:
    """``out_sharding`` as JAX reads it: None, a Sharding, or a PartitionSpec on the mesh
    set by ``jax.set_mesh``."""
    import jax
    from jax.sharding import PartitionSpec

    if out_sharding is None or isinstance(out_sharding, jax.sharding.Sharding):
        return out_sharding
    if isinstance(out_sharding, PartitionSpec):
        mesh = jax.sharding.get_abstract_mesh() if traced else jax.sharding.get_mesh()
        if mesh is None or mesh.empty:
            raise ValueError("Argument `out_sharding` is a PartitionSpec but no mesh is set: use "
                             "jax.set_mesh(mesh), or pass a NamedSharding. Received: "
                             f"out_sharding={out_sharding!r}")
        return jax.sharding.NamedSharding(mesh, out_sharding)
    raise TypeError("Argument `out_sharding` must be None, a jax.sharding.Sharding or a "
                    f"PartitionSpec. Received: out_sharding={out_sharding!r}")


class Initializer:
    """A JAX/Flax initializer running a winit scheme: ``init(key, shape, dtype=<the
    factory's>, out_sharding=None) -> jax.Array`` (``jax.nn.initializers.Initializer``'s
    calling convention).

    ``key`` (typed or raw) picks the winit generator by the frozen key rule
    (``winit.jax.generator``); the values are those of ``scheme(shape, dtype=dtype,
    rng=winit.jax.generator(key))``, eagerly, under ``jit``/``vmap`` and sharded alike.

    Attributes:
        scheme: the bound ``winit.Initializer`` it runs.
        dtype: the default dtype (None: JAX's default float).
    """

    __slots__ = ("scheme", "dtype", "name", "kind")
    scheme: winit.Initializer
    dtype: Any
    name: str
    kind: str

    def __init__(self, scheme: winit.Initializer, dtype: DTypeLike = None, *,
                 name: str | None = None, kind: str = "any") -> None:
        if not isinstance(scheme, winit.Initializer):
            raise TypeError("Argument `scheme` must be a winit.Initializer (e.g. "
                            f"winit.glorot_uniform(gain=2.0)). Received: scheme={scheme!r}")
        if dtype is not None:
            np.dtype(dtype)  # TypeError now for nonsense
        self.scheme, self.dtype = scheme, dtype
        self.name, self.kind = name or scheme.name, kind

    def __call__(self, key: Any, shape: Any, dtype: DTypeLike = _FACTORY,
                 out_sharding: Any = None) -> Any:
        import jax

        shape = _shape(shape)
        dt = _dtype(self.dtype if dtype is _FACTORY else dtype, self.name,
                    {"float": "float", "any": "any"}.get(self.kind, "inexact"))
        self._check(shape)
        words = key_words(key)
        traced = isinstance(words, jax.core.Tracer)
        job = Job(self.scheme, shape, dt)
        sharding = _sharding(out_sharding, traced)
        if traced:
            return job.traced(words, sharding)
        return job.eager(np.asarray(words), sharding)

    def _check(self, shape: tuple[int, ...]) -> None:
        """JAX's own shape checks, with its messages, where winit would accept more."""
        if self.kind in ("fans", "float", "inexact") and self.scheme.spec.axes:
            in_axis = self.scheme.params["in_axis"]
            if isinstance(in_axis, int) and in_axis == -2 and len(shape) <= 1:
                raise ValueError(f"Can't compute input and output sizes of a {len(shape)}-"
                                 "dimensional weights tensor with default in_axis. Must be at "
                                 "least 2D or specify in_axis explicitly.")
        if self.kind == "orthogonal" and len(shape) < 2:
            raise ValueError("orthogonal initializer requires at least a 2D shape")
        if self.kind == "delta_orthogonal":
            if len(shape) not in (3, 4, 5):
                raise ValueError("Delta orthogonal initializer requires a 3D, 4D or 5D shape.")
            if shape[-1] < shape[-2]:
                raise ValueError("`fan_in` must be less or equal than `fan_out`. ")

    def __repr__(self) -> str:
        dt = "" if self.dtype is None else f", dtype={np.dtype(self.dtype).name!r}"
        return f"winit.jax.Initializer({self.scheme!r}{dt})"


# ------------------------------------------------------------------ jax.nn.initializers' factories

def variance_scaling(scale: Any,
                     mode: Literal["fan_in", "fan_out", "fan_avg", "fan_geo_avg"],
                     distribution: Literal["truncated_normal", "normal", "uniform"],
                     in_axis: Axis = -2, out_axis: Axis = -1, batch_axis: Axis = (),
                     dtype: DTypeLike = None) -> Initializer:
    """Zero-mean values with variance ``scale / n``, ``n`` the fan of ``mode`` (fan_in,
    fan_out, their mean, or their geometric mean) of the shape read with ``in_axis``,
    ``out_axis`` and ``batch_axis``; ``distribution`` "truncated_normal" (at 2 sigma, sigma
    corrected by 0.87962566103423978 so the variance is exact), "normal" or "uniform"
    (complex dtypes: the uniform disk). As ``jax.nn.initializers.variance_scaling``, run
    by ``winit.variance_scaling``.

    Example:
        >>> import jax
        >>> import winit.jax
        >>> init = winit.jax.variance_scaling(2.0, "fan_in", "truncated_normal")
        >>> w = init(jax.random.key(0), (64, 32))
        >>> w.shape, str(w.dtype)
        ((64, 32), 'float32')
    """
    return Initializer(winit.variance_scaling(scale=_real(scale, "scale"), mode=mode,
                                              distribution=distribution, in_axis=in_axis,
                                              out_axis=out_axis, batch_axis=batch_axis),
                       dtype, name="variance_scaling", kind="fans")


def _special(name: str, scale: float, mode: str, distribution: str, doc: str) -> Any:
    def factory(in_axis: Axis = -2, out_axis: Axis = -1, batch_axis: Axis = (),
                dtype: DTypeLike = None) -> Initializer:
        init = variance_scaling(scale, mode, distribution,  # type: ignore[arg-type]
                                in_axis, out_axis, batch_axis, dtype)
        init.name = name
        return init

    factory.__name__ = factory.__qualname__ = name
    factory.__doc__ = (f"{doc}: ``variance_scaling({scale}, {mode!r}, {distribution!r})`` "
                       f"(as ``jax.nn.initializers.{name}``).")
    return factory


glorot_uniform = _special("glorot_uniform", 1.0, "fan_avg", "uniform", "Glorot/Xavier uniform")
glorot_normal = _special("glorot_normal", 1.0, "fan_avg", "truncated_normal",
                         "Glorot/Xavier normal (truncated, as JAX's)")
lecun_uniform = _special("lecun_uniform", 1.0, "fan_in", "uniform", "LeCun uniform")
lecun_normal = _special("lecun_normal", 1.0, "fan_in", "truncated_normal",
                        "LeCun normal (truncated, as JAX's)")
he_uniform = _special("he_uniform", 2.0, "fan_in", "uniform", "He/Kaiming uniform")
he_normal = _special("he_normal", 2.0, "fan_in", "truncated_normal",
                     "He/Kaiming normal (truncated, as JAX's)")
xavier_uniform, xavier_normal = glorot_uniform, glorot_normal
kaiming_uniform, kaiming_normal = he_uniform, he_normal


def uniform(scale: Any = 1e-2, dtype: DTypeLike = None) -> Initializer:
    """Uniform on ``[0, scale)`` (as ``jax.nn.initializers.uniform``): ``winit.uniform(low=0,
    high=scale)``; real dtypes only, as JAX's."""
    s = _real(scale, "scale")
    return Initializer(winit.uniform(low=min(0.0, s), high=max(0.0, s)), dtype, name="uniform",
                       kind="float")


def normal(stddev: Any = 1e-2, dtype: DTypeLike = None) -> Initializer:
    """Normal with mean 0 and standard deviation ``stddev`` (as
    ``jax.nn.initializers.normal``; complex dtypes: E|w|^2 = stddev^2): ``winit.normal``.
    A negative stddev gives the same distribution as its absolute value."""
    return Initializer(winit.normal(std=abs(_real(stddev, "stddev"))), dtype, name="normal",
                       kind="inexact")


def truncated_normal(stddev: Any = 1e-2, dtype: DTypeLike = None, lower: Any = -2.0,
                     upper: Any = 2.0) -> Initializer:
    """The standard normal truncated to ``(lower, upper)``, times ``stddev`` (as
    ``jax.nn.initializers.truncated_normal``: no variance correction):
    ``winit.truncated_normal(std=stddev, lo=lower, hi=upper, bounds="std")``, by inverse CDF.
    Real dtypes only, as JAX's."""
    return Initializer(winit.truncated_normal(mean=0.0, std=_real(stddev, "stddev"),
                                              lo=_real(lower, "lower"), hi=_real(upper, "upper"),
                                              bounds="std"),
                       dtype, name="truncated_normal", kind="float")


def orthogonal(scale: Any = 1.0, column_axis: int = -1, dtype: DTypeLike = None) -> Initializer:
    """A Haar-random (semi-)orthogonal matrix times ``scale``: the tensor read as the matrix
    (product of the other axes, ``shape[column_axis]``), orthonormal columns if it is tall,
    rows if wide (as ``jax.nn.initializers.orthogonal``): ``winit.orthogonal(gain=scale,
    out_axis=column_axis)``. Not shardable: with ``out_sharding`` the whole matrix is
    generated once and placed. A negative scale gives the same distribution as its
    absolute value."""
    return Initializer(winit.orthogonal(gain=abs(_real(scale, "scale")),
                                        out_axis=operator.index(column_axis)),
                       dtype, name="orthogonal", kind="orthogonal")


def delta_orthogonal(scale: Any = 1.0, column_axis: int = -1,
                     dtype: DTypeLike = None) -> Initializer:
    """Delta-orthogonal convolution kernel (Xiao et al. 2018, as
    ``jax.nn.initializers.delta_orthogonal``): rank 3-5, ``shape[-1] >= shape[-2]``, zeros
    except the centre tap, an orthogonal ``(in, out)`` matrix times ``scale``:
    ``winit.delta_orthogonal(gain=scale)``. ``column_axis`` (an axis of that matrix, as in
    JAX) does not change the distribution. Not shardable (generated whole, then placed)."""
    if operator.index(column_axis) not in (-2, -1, 0, 1):
        raise ValueError("Argument `column_axis` must be an axis of the (in, out) centre-tap "
                         f"matrix: -2, -1, 0 or 1. Received: column_axis={column_axis!r}")
    return Initializer(winit.delta_orthogonal(gain=abs(_real(scale, "scale"))), dtype,
                       name="delta_orthogonal", kind="delta_orthogonal")


# ------------------------------------------------------------------ winit's own schemes

def sparse_init(sparsity: float, std: float = 0.01, in_axis: int = -2, out_axis: int = -1,
                dtype: DTypeLike = None) -> Initializer:
    """``winit.sparse_init``: 2-D; each input unit has exactly ``ceil(sparsity * fan_out)``
    zero weights, the rest N(0, std^2)."""
    return Initializer(winit.sparse_init(sparsity=sparsity, std=std, in_axis=in_axis,
                                         out_axis=out_axis), dtype, name="sparse_init")


def identity_init(gain: float = 1.0, shift: int | tuple[int, ...] = 0, in_axis: int = -2,
                  out_axis: int = -1, dtype: DTypeLike = None) -> Initializer:
    """``winit.identity_init``: ``gain * eye`` (2-D) or the centre tap times eye(in, out)
    (a convolution that passes its input through); ``shift`` rolls it. Ignores the key."""
    return Initializer(winit.identity_init(gain=gain, shift=shift, in_axis=in_axis,
                                           out_axis=out_axis), dtype, name="identity_init")


def dirac(groups: int = 1, in_axis: int = -2, out_axis: int = -1,
          dtype: DTypeLike = None) -> Initializer:
    """``winit.dirac``: a Dirac delta convolution kernel (torch's ``dirac_`` in Flax's
    ``(*kernel, in, out)`` layout). Ignores the key."""
    return Initializer(winit.dirac(groups=groups, in_axis=in_axis, out_axis=out_axis), dtype,
                       name="dirac")


def from_winit(scheme: str | winit.Initializer, dtype: DTypeLike = None,
               **params: Any) -> Initializer:
    """Any winit scheme in JAX's calling convention: ``from_winit("kaiming_normal",
    gain=2.0, mode="fan_out")`` or ``from_winit(winit.kaiming_normal(gain=2.0))``. Its
    values are those of ``winit.<scheme>(shape, **params, rng=winit.jax.generator(key))``."""
    if isinstance(scheme, str):
        scheme = winit.Initializer(scheme, **params)
    elif params:
        raise TypeError("from_winit: pass parameters either bound in the winit.Initializer or "
                        "as keywords with a scheme name, not both")
    return Initializer(scheme, dtype)
