"""How a ``winit.jax`` initializer becomes a ``jax.Array``: one host function (a winit call
with ``rng`` from the key, ``region`` for a block, ``out`` for the buffer) reached three ways.

- **eager** (a concrete key): winit fills a 64-byte aligned host array, which
  ``jax.device_put`` wraps without a copy on the CPU (a transfer on an accelerator); with
  ``out_sharding``, ``jax.make_array_from_callback`` asks for each device's block and winit
  generates that block alone (``region=``).
- **traced** (``jit``, ``vmap``, Flax's jitted ``init``): a host callback with the static
  result shape and dtype. On the CPU it is ``jax.experimental.buffer_callback``: winit writes
  straight into the output buffer XLA allocated (no copy); elsewhere ``jax.pure_callback``
  (host values, then XLA's transfer). ``vmap`` over keys calls it once per key.
- **traced and sharded** (``out_sharding`` under ``jit``): ``jax.shard_map`` over the
  sharding's mesh; on each device a callback computes that device's block from
  ``lax.axis_index`` and generates it alone. For schemes that cannot be cut (orthogonal,
  delta_orthogonal) the first device's callback generates the whole array once per run
  and every device copies its block out of it. Shardings that are not a partition of a
  mesh (or a spec JAX would reject) get the whole array from one callback, placed by XLA
  (``with_sharding_constraint`` / ``reshard``).

Every path calls the same winit function with the same (key, stream 0, full shape), so the
values are the same bits everywhere; blocks equal slices of the whole by winit's promise.
"""
from __future__ import annotations

import ctypes
import functools
import math
import sys
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

import winit

from ._keys import rng_of_words

__all__ = ["Job", "empty_aligned"]

ALIGN = 64
_HUGE = 4 << 20  # buffers from this size get MADV_HUGEPAGE before the first write


def empty_aligned(shape: tuple[int, ...], dt: np.dtype[Any]) -> np.ndarray[Any, Any]:
    """An uninitialised C-order array whose data is 64-byte aligned: ``jax.device_put``
    wraps such a host array without a copy on the CPU backend."""
    n = math.prod(shape) * dt.itemsize
    if n == 0:
        return np.empty(shape, dt)
    buf = np.empty(n + ALIGN, np.uint8)
    off = (-buf.ctypes.data) % ALIGN
    return buf[off:off + n].view(dt).reshape(shape)


@functools.cache
def _madvise() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        f = ctypes.CDLL(None, use_errno=True).madvise
    except (OSError, AttributeError):
        return None
    f.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    f.restype = ctypes.c_int
    return f


def _advise_huge(a: np.ndarray[Any, Any]) -> None:
    """Ask Linux for transparent huge pages on the whole pages of a fresh XLA output
    buffer before winit's first write (numpy does the same for its own large arrays): the
    first touch of 64 MiB in 4 KiB pages costs more than generating the values. Advice
    only -- the values and the memory's owner do not change; ignored where unsupported."""
    f = _madvise()
    if f is None or a.nbytes < _HUGE:
        return
    p = a.ctypes.data
    start, end = (p + 4095) & ~4095, (p + a.nbytes) & ~4095
    if end > start:
        f(start, end - start, 14)  # MADV_HUGEPAGE


def _buffer_callback() -> Any:
    try:
        from jax.experimental.buffer_callback import buffer_callback
    except ImportError:  # jax < 0.7: no in-place callback
        return None
    return buffer_callback


def host_callback(fill: Callable[..., None], shape: tuple[int, ...], dt: np.dtype[Any],
                  *operands: Any, per_device: bool = False) -> Any:
    """A traced array of ``shape``/``dt`` whose values ``fill(out, *host_operands)``
    writes on the host: in place on the CPU (buffer_callback), through a copy elsewhere
    (pure_callback). ``vmap`` runs it once per batch element.

    ``per_device``: the call is one device's part of a shard_map. Outside one, with several
    devices, the copying callback is used on the CPU too: XLA pins it to one device
    (pure_callback's maximal sharding), where the partitioner would run an unannotated
    buffer_callback once per device, each generating the whole array."""
    import jax
    from jax import lax

    sds = jax.ShapeDtypeStruct(shape, dt)  # type: ignore[no-untyped-call]

    def copied(*ops: Any) -> Any:
        def cb(*args: Any) -> np.ndarray[Any, Any]:
            out = empty_aligned(shape, dt)
            fill(out, *(np.asarray(a) for a in args))
            return out
        return jax.pure_callback(cb, sds, *ops, vmap_method="sequential")

    bc = _buffer_callback()
    if bc is None or (not per_device and jax.device_count() > 1):
        return copied(*operands)

    def in_place(*ops: Any) -> Any:
        def cb(ctx: Any, out: Any, *args: Any) -> None:
            o = np.asarray(out)
            _advise_huge(o)
            fill(o, *(np.asarray(a) for a in args))
        return bc(cb, sds, vmap_method="sequential")(*ops)

    return lax.platform_dependent(*operands, cpu=in_place, default=copied)


def _axes(entry: Any) -> tuple[str, ...]:
    if entry is None:
        return ()
    return (entry,) if isinstance(entry, str) else tuple(entry)


class Job:
    """One initializer call: the bound winit scheme, the full shape and the dtype. Its
    host methods are what every path runs."""

    __slots__ = ("init", "shape", "dt", "shardable", "_whole", "_lock")

    def __init__(self, init: winit.Initializer, shape: tuple[int, ...], dt: np.dtype[Any]) -> None:
        self.init, self.shape, self.dt = init, shape, dt
        self.shardable = init.spec.shardable
        # a scheme that cannot be cut, under shard_map: the whole array of the last key,
        # generated by the first device's callback and sliced by the others
        self._whole: tuple[bytes, np.ndarray[Any, Any], int] | None = None
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- host side

    def host(self, words: Any, out: np.ndarray[Any, Any] | None = None,
             region: tuple[slice, ...] | None = None) -> np.ndarray[Any, Any]:
        """winit's values for the key's words: the whole tensor, or ``region`` of it."""
        return self.init(self.shape, dtype=self.dt, rng=rng_of_words(words), out=out,  # type: ignore[no-any-return]
                         region=region, device="cpu")

    def validate(self) -> None:
        """winit's own checks, at trace time (inside a callback they would surface only
        when the program runs): the call on an empty block of the real shape, or on a
        size-1 shape of the same rank for the schemes that cannot be cut."""
        if not self.shape:
            self.init(self.shape, dtype=self.dt, rng=0, device="cpu")
        elif self.shardable:
            self.init(self.shape, dtype=self.dt, rng=0, region=(slice(0, 0),), device="cpu")
        else:
            self.init((1,) * len(self.shape), dtype=self.dt, rng=0, device="cpu")

    def _fill_whole(self, out: np.ndarray[Any, Any], words: np.ndarray[Any, Any]) -> None:
        self.host(words, out=out)

    def _fill_block(self, mesh_shape: dict[str, int], names: tuple[str, ...],
                    spec: tuple[Any, ...], tile: tuple[int, ...], out: np.ndarray[Any, Any],
                    words: np.ndarray[Any, Any], coords: np.ndarray[Any, Any]) -> None:
        """The block of the device at mesh coordinates ``coords``: along each axis, the
        shard index is the mixed-radix number of the coordinates of the mesh axes that
        split it, in the order the spec lists them (JAX's layout)."""
        at = dict(zip(names, (int(c) for c in coords.reshape(-1))))
        region = []
        for entry, t in zip(spec, tile):
            i = 0
            for a in _axes(entry):
                i = i * mesh_shape[a] + at[a]
            region.append(slice(i * t, (i + 1) * t))
        if self.shardable:
            self.host(words, out=out, region=tuple(region))
        else:
            out[...] = self._whole_for(words, math.prod(mesh_shape.values()))[tuple(region)]

    def _whole_for(self, words: np.ndarray[Any, Any], blocks: int) -> np.ndarray[Any, Any]:
        """The whole array for ``words``, generated once for the ``blocks`` callbacks of
        one run (then dropped; a new key replaces it)."""
        k = words.tobytes()
        with self._lock:
            if self._whole is None or self._whole[0] != k:
                self._whole = (k, self.host(words), blocks)
            key, arr, left = self._whole
            self._whole = (key, arr, left - 1) if left > 1 else None
        return arr

    # ---------------------------------------------------------------- the three ways

    def eager(self, words: np.ndarray[Any, Any], sharding: Any) -> Any:
        import jax

        if sharding is None:
            out = empty_aligned(self.shape, self.dt)
            return jax.device_put(self.host(words, out=out))
        if self.shardable:
            def block(index: tuple[slice, ...]) -> np.ndarray[Any, Any]:
                bshape = tuple(len(range(*s.indices(n))) for s, n in zip(index, self.shape))
                return self.host(words, out=empty_aligned(bshape, self.dt), region=index)
        else:
            whole: list[np.ndarray[Any, Any]] = []

            def block(index: tuple[slice, ...]) -> np.ndarray[Any, Any]:
                if not whole:  # generated once, on the first block asked for
                    whole.append(self.host(words))
                return whole[0][index]
        return jax.make_array_from_callback(self.shape, sharding, block)  # type: ignore[arg-type]

    def traced(self, words: Any, sharding: Any) -> Any:
        import jax

        self.validate()
        if sharding is not None:
            split = self._mesh_split(sharding)
            if split is not None:
                return self._shard_map(words, *split)
        x = host_callback(self._fill_whole, self.shape, self.dt, words)
        if sharding is None:
            return x
        mesh = getattr(sharding, "mesh", None)
        if mesh is not None and getattr(mesh, "are_all_axes_explicit", False):
            return jax.sharding.reshard(x, sharding)  # type: ignore[no-untyped-call]
        return jax.lax.with_sharding_constraint(x, sharding)  # type: ignore[no-untyped-call]

    def _mesh_split(self, sharding: Any) -> tuple[Any, tuple[Any, ...], tuple[int, ...]] | None:
        """(mesh, spec padded to the rank, tile shape) when each device's block can be
        filled by its own callback: a NamedSharding whose spec names mesh axes (no
        UNCONSTRAINED) and divides the shape."""
        import jax

        if not isinstance(sharding, jax.sharding.NamedSharding):
            return None
        mesh = sharding.mesh
        spec = tuple(sharding.spec) + (None,) * (len(self.shape) - len(sharding.spec))
        tile = []
        for n, entry in zip(self.shape, spec):
            if entry is not None and not isinstance(entry, (str, tuple)):
                return None  # P.UNCONSTRAINED
            k = math.prod(mesh.shape[a] for a in _axes(entry))
            if n % k:
                return None
            tile.append(n // k)
        return mesh, spec, tuple(tile)

    def _shard_map(self, words: Any, mesh: Any, spec: tuple[Any, ...], tile: tuple[int, ...]) -> Any:
        import jax
        import jax.numpy as jnp
        from jax import lax
        from jax.sharding import PartitionSpec as P

        names = tuple(mesh.axis_names)
        fill = functools.partial(self._fill_block, dict(mesh.shape), names, spec, tile)

        def body(w: Any) -> Any:
            coords = jnp.stack([lax.axis_index(a) for a in names]).astype(jnp.int32)
            return host_callback(fill, tile, self.dt, w, coords, per_device=True)

        return jax.shard_map(body, mesh=mesh, in_specs=P(), out_specs=P(*spec),  # type: ignore[no-untyped-call]
                             check_vma=False)(words)
