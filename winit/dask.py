"""Lazy, chunked initializers: ``winit.dask.<scheme>(shape, chunks=..., rng=seed)``.

Each returns a ``dask.array.Array`` whose chunks are generated where they are
computed (threads, processes, a ``dask.distributed`` cluster) by the in-memory
scheme with ``region=`` set to the chunk. Because every value depends only on
(key, stream, flat index) and fans come from the full shape, computing the array
gives exactly ``winit.<scheme>(shape, rng=seed)``, bit for bit, for any chunking
and any scheduler; no process ever holds more than its chunks. ``.to_zarr(...)``
writes a tensor larger than memory to disk chunk by chunk.

The generator is resolved ONCE, when the array is built: an int seed means stream
0 of ``Generator(seed)`` (as the in-memory call); a ``winit.Generator`` gives up
its next stream (as the in-memory call would), so a sequence of calls mixing
``winit.x`` and ``winit.dask.x`` on one generator gives the same tensors. Every
chunk carries that fixed (key, stream) -- a few dozen bytes -- and the graph holds
no arrays.

``orthogonal`` and ``delta_orthogonal`` are not shardable (their values come from
a QR of the whole matrix): their ``winit.dask`` functions raise a ValueError that
names the alternative (generate in memory, wrap with ``dask.array.from_array``).

Needs ``dask[array]`` (``pip install winit[dask]``); ``import winit`` does not
import dask.
"""
from __future__ import annotations

import inspect
import itertools
from dataclasses import dataclass
from typing import Any, cast

import dask.array as da
import numpy as np
from dask.base import tokenize

from . import _validate as V
from ._fans import resolve_axes
from ._generator import Generator, as_generator, resolve_rng
from ._initializer import Initializer
from ._registry import (ALIASES, AXIS_DEFAULTS, AXIS_PARAMS, SCHEMES, Scheme, get_scheme,
                        unknown_arguments)

__all__ = ["SHARDABLE", "array", "block_regions"]
__all__.extend(sorted({*SCHEMES, *ALIASES}))  # winit.dask.<scheme>, made below

#: Canonical names of the schemes whose ``region=`` equals the slice of the whole.
SHARDABLE = tuple(sorted(n for n, s in SCHEMES.items() if s.shardable))


@dataclass(frozen=True)
class _Plan:
    """Everything a chunk needs (pickled into each task; no arrays): the scheme, the
    full shape, its parameters, the dtype, the generator fixed at one stream, and the
    chunk boundaries along each axis."""
    scheme: str
    shape: tuple[int, ...]
    params: tuple[tuple[str, Any], ...]
    dtype: str
    gen: tuple[Any, ...] | None  # (entropy, spawn_key, seed, stream); None: deterministic
    bounds: tuple[tuple[int, ...], ...]  # per axis: 0, c0, c0 + c1, ..., n

    def generator(self) -> Generator | None:
        """A fresh Generator at the plan's stream: each chunk's call takes that stream."""
        if self.gen is None:
            return None
        entropy, spawn_key, seed, stream = self.gen
        return Generator._from_state({"entropy": entropy, "spawn_key": spawn_key, "seed": seed,
                                      "next_stream": stream, "n_children": 0})

    def region(self, block_id: tuple[int, ...]) -> tuple[slice, ...]:
        return tuple(slice(b[i], b[i + 1]) for b, i in zip(self.bounds, block_id))

    def block(self, region: tuple[slice, ...] | None) -> np.ndarray:
        """The values of ``region`` (None: the whole tensor)."""
        out = SCHEMES[self.scheme].fn(self.shape, rng=self.generator(), dtype=self.dtype,
                                      region=region, **dict(self.params))
        return cast(np.ndarray, out)


def _block(plan: _Plan, block_id: tuple[int, ...] | None = None) -> np.ndarray:
    """One chunk (the function every task runs)."""
    return plan.block(plan.region(block_id or ()))


def _key_of(spec: Scheme, rng: Any) -> tuple[Any, ...] | None:
    """(entropy, spawn_key, seed) of the generator ``rng`` names (validated; no stream
    taken), or None for a deterministic scheme (which ignores ``rng``, as in memory)."""
    if not spec.random:
        if not isinstance(rng, Generator):
            _ = None if rng is None else as_generator(rng)  # validate only
        return None
    st = as_generator(rng).__getstate__()
    return (st["entropy"], tuple(st["spawn_key"]), st["seed"])


def block_regions(shape: Any, chunks: Any, dtype: Any = "float32") -> list[tuple[slice, ...]]:
    """The regions (tuples of slices of the full shape) of the chunks ``chunks``
    (anything ``dask.array`` accepts) of ``shape``, in C order of the block grid: the
    ``region=`` arguments that tile the tensor."""
    shape = V.shape(shape)
    dt = V.dtype(dtype, V.REAL_DTYPES + V.COMPLEX_DTYPES)
    norm = da.core.normalize_chunks(chunks, shape, dtype=dt)  # type: ignore[no-untyped-call]
    bounds = [tuple(itertools.accumulate(c, initial=0)) for c in norm]
    return [tuple(slice(b[i], b[i + 1]) for b, i in zip(bounds, idx))
            for idx in itertools.product(*(range(len(c)) for c in norm))]


def _not_shardable(spec: Scheme) -> ValueError:
    return ValueError(
        f"{spec.name} cannot be generated in chunks: its values depend on the whole matrix "
        f"(a QR), so no chunk can be generated alone. Generate it in memory and wrap it: "
        f"dask.array.from_array(winit.{spec.name}(shape, rng=...), chunks=...) (same bits); "
        f"shardable schemes: {', '.join(SHARDABLE)}")


def array(scheme: str | Scheme | Initializer, shape: Any, *, chunks: Any = "auto",
          rng: Any = None, dtype: Any = None, **params: Any) -> da.Array:
    """A lazy ``dask.array.Array`` of ``scheme`` (a name, alias, ``Scheme`` or bound
    ``Initializer``) over ``shape``: computing it equals
    ``winit.<scheme>(shape, rng=rng, dtype=dtype, **params)`` bit for bit.

    Args:
        scheme: the scheme, or an ``Initializer`` whose bound parameters (dtype, rng,
            axes, ...) are used unless given here.
        shape: the full shape.
        chunks: anything ``dask.array`` accepts ("auto", an int, a tuple per axis, a
            dict). "auto" for sparse_init keeps the positions axis whole (each chunk
            draws the zero-position keys of its units along the whole axis).
        rng: an int seed (stream 0), a ``winit.Generator`` (its next stream is taken
            now, once), or None (the default generator of ``winit.seed`` /
            ``winit.seeded`` when one is set, as a Generator; else fresh OS entropy,
            drawn now).
        dtype: as the in-memory scheme (default float32).
        **params: the scheme's parameters and the axis arguments (in_axis, out_axis,
            batch_axis, layout).
    """
    if isinstance(scheme, Initializer):
        init: Any = scheme  # (its attributes are set through object.__setattr__)
        bound = dict(init.params)
        bound.pop("device", None)
        spec = init.spec
        rng = bound.pop("rng") if rng is None else rng
        dtype = bound.pop("dtype") if dtype is None else dtype
        bound.pop("rng", None), bound.pop("dtype", None)
        params = {**bound, **params}
    else:
        spec = scheme if isinstance(scheme, Scheme) else get_scheme(scheme)
    dtype = "float32" if dtype is None else dtype
    for bad in ("device", "out", "region"):
        if bad in params:
            raise TypeError(f"winit.dask.{spec.name}() takes no `{bad}` (chunks are generated "
                            "on the CPU of whichever worker computes them, with region= set "
                            "to the chunk)")
    if not spec.shardable:
        raise _not_shardable(spec)
    shape = V.shape(shape)
    dt = V.dtype(dtype, spec.dtypes)
    rng = resolve_rng(rng)  # None: the default generator, if one is set
    key = _key_of(spec, rng)
    if isinstance(chunks, str) and chunks == "auto" and spec.name == "sparse_init" \
            and len(shape) == 2:
        axes = {k: params.get(k, AXIS_DEFAULTS[k]) for k in AXIS_PARAMS}
        try:
            outs = resolve_axes(shape, **axes)[1]
        except (ValueError, TypeError):
            outs = ()  # the probe below raises the scheme's own error
        if len(outs) == 1:
            chunks = {outs[0]: -1, 1 - outs[0]: "auto"}
    norm = da.core.normalize_chunks(chunks, shape, dtype=dt)  # type: ignore[no-untyped-call]
    bounds = tuple(tuple(itertools.accumulate(c, initial=0)) for c in norm)
    plan = _Plan(spec.name, shape, tuple(sorted(params.items())), str(dt),
                 None if key is None else key + (0,), bounds)
    # one empty block validates the parameters, dtype, axes and structure exactly as
    # the in-memory call does (same errors), allocating nothing
    plan.block(tuple(slice(0, 0) for _ in shape) if shape else None)
    if key is not None and isinstance(rng, Generator):  # validated: now take the stream
        plan = _Plan(spec.name, shape, plan.params, plan.dtype, key + (rng.stream(),), bounds)
    name = f"winit-{spec.name}-{tokenize(plan)}"
    return cast(da.Array, da.map_blocks(  # type: ignore[no-untyped-call]
        _block, plan, chunks=norm, dtype=dt, meta=np.empty((0,) * len(shape), dt), name=name))


def _doc(spec: Scheme) -> str:
    return (f"winit.dask.{spec.name}: a lazy, chunked ``winit.{spec.name}`` "
            f"(``dask.array.Array``). {spec.summary}\n\n"
            f"Computing it equals ``winit.{spec.name}(shape, rng=rng, ...)`` bit for bit, for "
            "any ``chunks`` and any scheduler. ``rng``: an int seed, or a Generator whose "
            "next stream is taken now. See ``winit.dask.array`` and docs/scale-out.md."
            if spec.shardable else
            f"winit.dask.{spec.name}: not available -- {spec.name} is not shardable (a QR "
            "couples every element); raises ValueError naming the alternative "
            f"(``dask.array.from_array(winit.{spec.name}(...), chunks=...)``).")


def _make(spec: Scheme, name: str) -> Any:
    base = spec.signature
    kw = inspect.Parameter.KEYWORD_ONLY
    ps = [inspect.Parameter("shape", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    ps += [p for p in base.parameters.values()
           if p.name not in ("shape", "device", "out", "region", "dtype", "rng") + AXIS_PARAMS]
    ps += [inspect.Parameter("chunks", kw, default="auto"),
           inspect.Parameter("dtype", kw, default="float32"),
           inspect.Parameter("rng", kw, default=None)]
    ps += [base.parameters[k] for k in AXIS_PARAMS]
    sig = inspect.Signature(ps)

    def fn(*args: Any, **kwargs: Any) -> da.Array:
        try:
            ba = sig.bind(*args, **kwargs)
        except TypeError as e:
            if any(k not in sig.parameters for k in kwargs):  # "did you mean"
                raise unknown_arguments(f"winit.dask.{name}", [k for k in kwargs if k not in
                                        sig.parameters], spec.param_names, sig.parameters) from None
            raise TypeError(f"winit.dask.{name}(): {e}") from None
        a = dict(ba.arguments)  # only what was given: defaults are the scheme's own
        shape = a.pop("shape", None)
        if shape is None:
            raise TypeError(f"winit.dask.{name}() needs a shape")
        if not spec.shardable:
            raise _not_shardable(spec)
        return array(spec, shape, **a)

    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = __name__
    fn.__signature__ = sig  # type: ignore[attr-defined]
    fn.__doc__ = _doc(spec)
    return fn


for _name, _spec in SCHEMES.items():
    globals()[_name] = _make(_spec, _name)
for _alias, _name in ALIASES.items():
    globals()[_alias] = globals()[_name]
del _name, _spec, _alias
