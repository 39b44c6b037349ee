"""The plan engine: the one road from a call to the C fill.

Every face -- the functional API, ``Initializer`` objects, ``winit.keras``,
``winit.dask``, the CLI, ``winit.torch`` and ``winit.jax`` -- calls a scheme's public
function (or ``Initializer``), which does exactly two things:

1. ``plan(...)``: validate every argument once into an immutable ``Plan`` (scheme,
   validated parameters, shape and region, dtype, device, ``out``, the Philox key and
   where the stream comes from, axes and fans, and -- for a plain fill -- the ``Sample``:
   the kernel with its parameters packed). Errors are raised here, before anything is
   allocated or any stream is taken.
2. ``run(plan)``: the backend makes the result: allocate (or take ``out``), take the
   stream, fill -- on the CPU with ``winit._core.Fill`` (nogil, OpenMP, SIMD), on the GPU
   with ``winit._cuda`` (the same kernel list, the same packed parameters, the same bits).
   Structured schemes (``Scheme.build``) assemble their result from the same fills.
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from . import _validate as V
from ._core import _core
from ._fans import fans_of
from ._generator import Generator, as_generator
from ._registry import Scheme, check_axes

__all__ = ["Plan", "Sample", "plan", "run", "rows", "draw", "sample_host", "finish",
           "check_rng", "seed_key", "fill_of"]

PURPOSE_VALUES = 0
PURPOSE_SPARSE = 1  # element.h WINIT_PURPOSE_SPARSE

DT_CODE = {np.dtype(np.float32): _core.DT_FLOAT32, np.dtype(np.float64): _core.DT_FLOAT64,
           np.dtype(np.float16): _core.DT_FLOAT16, V.BFLOAT16: _core.DT_BFLOAT16,
           np.dtype(np.uint32): _core.DT_UINT32}


class Sample(NamedTuple):
    """What a plain-fill scheme generates for one call: ``fill`` (a ``_core.Fill``: the
    kernel and its packed parameters; for a complex dtype it fills the (re, im) float
    pairs) then ``shift`` added to the real part; or, with ``fill`` None, ``value`` in
    every element."""
    fill: Any
    value: Any = 0
    shift: float = 0.0


class Plan(NamedTuple):
    """One validated call (immutable; nothing allocated, no stream taken)."""
    scheme: Scheme
    params: dict[str, Any]        # the scheme's own parameters, validated
    shape: tuple[int, ...]        # the full tensor
    region: tuple[tuple[int, int], ...] | None  # (start, stop) per axis; None: whole
    rshape: tuple[int, ...]       # the shape of the result (the region's)
    dtype: np.dtype[Any]
    device: str
    out: Any
    key: tuple[int, int] | None   # Philox key; None: a deterministic scheme
    gen: Generator | None         # its next stream is the call's; None: stream 0
    axes: tuple[Any, Any, Any, str | None]  # in_axis, out_axis, batch_axis, layout
    fans: tuple[int, int] | None  # (fan_in, fan_out) where the scheme reads them
    sample: Sample | None         # plain fills; None: Scheme.build makes the result

    @property
    def slices(self) -> tuple[slice, ...] | None:
        return None if self.region is None else tuple(slice(a, b) for a, b in self.region)

    def stream(self) -> int:
        """Take the call's stream (at run time, after the output is allocated)."""
        return self.gen.stream() if self.gen is not None else 0


# ------------------------------------------------------------------ rng, device

_SEED_KEYS: dict[int, tuple[int, int]] = {}


def seed_key(seed: int) -> tuple[int, int]:
    """The Philox key of ``winit.Generator(seed)`` (cached: hashing a seed costs µs)."""
    k = _SEED_KEYS.get(seed)
    if k is None:
        if len(_SEED_KEYS) >= 64:  # (a model's few seeds; bounded, not a leak)
            _SEED_KEYS.clear()
        k = _SEED_KEYS[seed] = Generator(seed).key
    return k


def check_rng(rng: Any) -> Any:
    """``rng=`` validated: a Generator, None, an int seed (as an int) or the config form
    ``{"generator": state}`` (a Generator)."""
    if type(rng) is int and rng >= 0 or rng is None or isinstance(rng, Generator):
        return rng
    if isinstance(rng, dict) and set(rng) == {"generator"}:  # get_config's form
        return Generator._from_state(rng["generator"], "rng")
    as_generator(rng)  # TypeError / ValueError for anything else
    return int(rng)


def _key_and_gen(rng: Any) -> tuple[tuple[int, int], Generator | None]:
    if type(rng) is int and rng >= 0:
        return seed_key(rng), None
    if isinstance(rng, Generator):
        return rng.key, rng
    rng = check_rng(rng)
    if isinstance(rng, int):
        return seed_key(rng), None
    g = as_generator(rng)  # None: fresh OS entropy
    return g.key, g


def check_device(device: Any) -> str:
    if device == "cpu":
        return "cpu"
    if isinstance(device, str) and device.startswith("cuda"):
        from . import _cuda
        _cuda.parse_device(device)  # ValueError naming the argument
        return device
    raise ValueError(f"Argument `device` must be 'cpu', 'cuda' or 'cuda:N'. "
                     f"Received: device={device!r}")


# ------------------------------------------------------------------ plan

def plan(spec: Scheme, shape: Any, params: dict[str, Any], dtype: Any = "float32",
         rng: Any = None, device: Any = "cpu", out: Any = None, region: Any = None,
         in_axis: Any = -2, out_axis: Any = -1, batch_axis: Any = (), layout: Any = None,
         *, checked: bool = False) -> Plan:
    """Validate one call of ``spec`` into a Plan. ``checked``: ``params`` (and the bound
    arguments) were validated already (an Initializer's)."""
    shape = V.shape(shape)
    dt = V.dtype(dtype, spec.dtypes)
    if device != "cpu":
        device = check_device(device)
    reg = None if region is None else V.region(region, shape)
    if reg is not None and reg == tuple((0, n) for n in shape):
        reg = None  # the whole tensor
    if reg is not None and not spec.shardable:
        raise ValueError(f"Argument `region` is not supported by {spec.name}: its values "
                         "depend on the whole matrix (a QR), so a block cannot be generated "
                         f"alone. Generate the full tensor and slice it. Received: "
                         f"region={region!r}")
    rshape = shape if reg is None else tuple(b - a for a, b in reg)
    if device == "cpu":
        if out is not None:
            V.out_array(out, rshape, dt)
        elif V.MEMORY is not None and math.prod(rshape) * dt.itemsize > V.MEMORY:
            V.allocatable(rshape, dt)  # the MemoryError
    axes = (in_axis, out_axis, batch_axis, layout) if checked else \
        check_axes(in_axis, out_axis, batch_axis, layout)
    if not spec.random:
        check_rng(rng)  # validated, unused
        key = gen = None
    elif type(rng) is int and rng >= 0:
        key, gen = seed_key(rng), None
    else:
        key, gen = _key_and_gen(rng)
    fans = fans_of(shape, axes) if spec.fans else None
    params, sample = _params_and_sample(spec, params, dt, fans, shape, checked)
    return _new_plan(Plan, (spec, params, shape, reg, rshape, dt, device, out, key, gen, axes,
                            fans, sample))


_new_plan = tuple.__new__  # (a Plan without NamedTuple's __new__ frame: this is the hot path)
_MEMO: dict[tuple[Any, ...], tuple[dict[str, Any], Sample | None]] = {}


def _params_and_sample(spec: Scheme, params: dict[str, Any], dt: np.dtype[Any],
                       fans: tuple[int, int] | None, shape: tuple[int, ...],
                       checked: bool) -> tuple[dict[str, Any], Sample | None]:
    """The validated parameters and the Sample (plain fills), remembered for parameters
    given as floats and strings: a model repeats a few (scheme, parameters, dtype, fans),
    and checking them and working out a fill's bounds in the dtype costs microseconds.
    -0.0 is not remembered: as a key it equals 0.0, and their fills differ. (n,) has the
    fans of (n, n), but small_rank tells them apart."""
    mkey: tuple[Any, ...] | None = (spec, dt, fans, len(shape) < 2, tuple(params.items()))
    for v in params.values():
        t = type(v)
        if t is not float and t is not str or v == 0.0 and math.copysign(1.0, v) < 0:
            mkey = None  # (bool/int/array/-0.0: equal as keys to values they differ from)
            break
    if mkey is not None:
        hit = _MEMO.get(mkey)
        if hit is not None:
            return hit
    if not checked:
        params = spec.check(params)
    sample = None if spec.sample is None else spec.sample(params, dt, fans, shape)
    if mkey is not None:
        if len(_MEMO) >= 256:
            _MEMO.clear()
        _MEMO[mkey] = (params, sample)
    return params, sample


# ------------------------------------------------------------------ run

def run(p: Plan) -> Any:
    """The result of a plan: a numpy array on the CPU (``out`` when given), a GPU array
    on "cuda"."""
    s = p.sample
    if s is None:
        assert p.scheme.build is not None
        return p.scheme.build(p)
    if p.device == "cpu":
        if p.out is None and p.region is None and s.fill is not None and p.dtype.kind != "c":
            arr = np.empty(p.rshape, p.dtype)  # the common case, straight through
            return s.fill.run(arr, p.key, p.gen.stream() if p.gen is not None else 0)
        return _run_cpu(p, s)
    if s.fill is not None and p.dtype.kind != "c":
        return _run_cuda(p, s)
    # constants and complex: computed on the host, then uploaded
    return finish(p, _run_cpu(p._replace(device="cpu", out=None), s))


_CONSTANT_IN_C = 1 << 15  # elements: smaller constants are numpy's (no call overhead)


def set_constant(arr: np.ndarray[Any, Any], value: Any) -> None:
    """``arr[...] = value``; a large contiguous ``arr`` and a scalar by the C core, with
    threads (numpy's assignment is one thread)."""
    if arr.size >= _CONSTANT_IN_C and not isinstance(value, np.ndarray) and \
            arr.flags.c_contiguous and arr.flags.writeable:
        _core.fill_constant(arr, np.array(value, arr.dtype).tobytes())
    else:
        arr[...] = value


def _run_cpu(p: Plan, s: Sample, stream: int | None = None) -> Any:
    arr = p.out
    if s.fill is None:  # a constant
        if arr is None and type(s.value) is int and s.value == 0:  # (not -0.0)
            return np.zeros(p.rshape, p.dtype)
        if arr is None:
            arr = np.empty(p.rshape, p.dtype)
        value = s.value
        if isinstance(value, np.ndarray) and p.region is not None:  # the block of the whole
            value = np.broadcast_to(value, p.shape)[p.slices]
        set_constant(arr, value)
        return arr
    if arr is None:
        arr = np.empty(p.rshape, p.dtype)  # before the stream: a failed allocation takes none
    if stream is None:
        stream = p.gen.stream() if p.gen is not None else 0
    reg = p.region
    if p.dtype.kind != "c":
        if reg is None:
            s.fill.run(arr, p.key, stream)
        else:
            s.fill.run(arr, p.key, stream, p.shape, tuple(a for a, _ in reg))
        return arr
    # complex: the fill makes the interleaved (re, im) float pairs of the tensor
    pairs = arr if arr.ndim and arr.strides[-1] == arr.itemsize else np.empty(p.rshape, p.dtype)
    fv = pairs.reshape(pairs.shape or (1,)).view(_float_of(p.dtype))
    if reg is None:
        s.fill.run(fv, p.key, stream)
    else:  # the block of the (..., 2 n) float tensor
        s.fill.run(fv, p.key, stream, p.shape[:-1] + (2 * p.shape[-1],),
                   tuple(a for a, _ in reg[:-1]) + (2 * reg[-1][0],))
    if s.shift:
        pairs.real += s.shift
    if pairs is not arr:
        arr[...] = pairs
    return arr


def _run_cuda(p: Plan, s: Sample) -> Any:
    from . import _cuda
    target = _cuda.Target(p.device, p.out, p.rshape, p.dtype)  # checks; then the stream
    _, starts, row_len = rows(p.shape, p.region)
    return target.fill(s.fill, p.key, p.stream(), starts, row_len)


def sample_host(p: Plan, s: Sample, stream: int) -> np.ndarray[Any, Any]:
    """A plain fill on the host at a given stream, for a structured scheme's values:
    into ``out`` on the CPU, else a new array."""
    arr: np.ndarray[Any, Any] = _run_cpu(
        p._replace(device="cpu", out=p.out if p.device == "cpu" else None), s, stream)
    return arr


def finish(p: Plan, host: np.ndarray[Any, Any]) -> Any:
    """Deliver a result computed on the host: into ``out`` on the CPU, or uploaded to
    the GPU (``winit._cuda.to_device``: the same bits as on the CPU)."""
    if p.device != "cpu":
        from . import _cuda
        return _cuda.to_device(host, out=p.out, device=p.device)
    if p.out is not None and host is not p.out:
        if not _same_view(host, p.out):  # (a result built in out's own memory: no copy)
            np.copyto(p.out, host)
        return p.out
    return host


def _same_view(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> bool:
    """a and b are the same elements of the same memory."""
    return (a.shape == b.shape and a.strides == b.strides and a.dtype == b.dtype
            and a.ctypes.data == b.ctypes.data)


# ------------------------------------------------------------------ fills

_FILLS: dict[tuple[Any, ...], Any] = {}


def fill_of(dist: int, dt: np.dtype[Any], params: tuple[float, ...]) -> Any:
    """The ``_core.Fill`` of (dist, dtype, params). A truncated normal's is cached:
    packing its constants costs tens of µs (the others' a tenth of one)."""
    if dist != _core.DIST_TRUNCNORM:
        return _core.Fill(dist, DT_CODE[dt], params)
    key: tuple[Any, ...] = (dt, params)
    if 0.0 in params:  # -0.0 == 0.0, but their fills differ
        key += tuple(math.copysign(1.0, x) for x in params)
    f = _FILLS.get(key)
    if f is None:
        if len(_FILLS) >= 256:
            _FILLS.clear()
        f = _FILLS[key] = _core.Fill(dist, DT_CODE[dt], params)
    return f


def _float_of(dt: np.dtype[Any]) -> np.dtype[Any]:
    return np.dtype(np.float32) if dt == np.complex64 else np.dtype(np.float64)


def rows(full: tuple[int, ...], reg: tuple[tuple[int, int], ...] | None
         ) -> tuple[tuple[int, ...], np.ndarray[Any, Any], int]:
    """(region shape, flat start of each row of the region, row length) for a C-order
    tensor of shape ``full``; a row is the region's extent along the last axis."""
    if not full:
        full, reg = (1,), None if reg is None else ((0, 1),)
    if reg is None:
        reg = tuple((0, n) for n in full)
    rshape = tuple(b - a for a, b in reg)
    if math.prod(rshape) == 0:
        return rshape, np.zeros(0, np.uint64), 0
    if reg == tuple((0, n) for n in full):  # whole tensor: one run
        return rshape, np.zeros(1, np.uint64), math.prod(full)
    strides = [1] * len(full)
    for d in range(len(full) - 2, -1, -1):
        strides[d] = strides[d + 1] * full[d + 1]
    starts = np.full((), np.uint64(reg[-1][0]), np.uint64)
    for d in range(len(full) - 1):
        a, b = reg[d]
        starts = np.add.outer(starts, np.arange(a, b, dtype=np.uint64) * np.uint64(strides[d]))
    return rshape, starts.reshape(-1), rshape[-1]


def draw(p: Plan, dist: int, params: tuple[float, ...], shape: tuple[int, ...],
         dtype: Any, stream: int, *, region: tuple[tuple[int, int], ...] | None = None,
         purpose: int = PURPOSE_VALUES, buf: np.ndarray[Any, Any] | None = None,
         ) -> np.ndarray[Any, Any]:
    """A raw fill on the host for a structured scheme: ``shape`` (or its ``region``) of
    (dist, params) under the plan's key at stream ``stream`` (+ ``purpose`` << 56, a
    scheme's auxiliary substream), as a new numpy array, or in the first elements of
    ``buf`` (flat, of the dtype: reused by a caller that draws in passes)."""
    dt = np.dtype(dtype)
    f = fill_of(dist, dt, params)
    rshape = shape if region is None else tuple(b - a for a, b in region)
    arr = np.empty(rshape, dt) if buf is None else buf[:math.prod(rshape)].reshape(rshape)
    if region is None or region == tuple((0, n) for n in shape):
        return f.run(arr, p.key, stream | (purpose << 56))  # type: ignore[no-any-return]
    return f.run(arr, p.key, stream | (purpose << 56), shape, tuple(a for a, _ in region))  # type: ignore[no-any-return]


def bits(shape: Any, *, rng: Any = None, out: Any = None, region: Any = None,
         purpose: int = PURPOSE_VALUES, stream: int | None = None) -> np.ndarray[Any, Any]:
    """Raw Philox words as uint32 (element i = word i % 4 of block i // 4) through the
    fill path -- the raw-word kernel (the statistical batteries and tests read them).
    ``stream``: this stream id of ``rng`` instead of its next one."""
    full = V.shape(shape)
    reg = V.region(region, full)
    rshape = full if reg is None else tuple(b - a for a, b in reg)
    u32 = np.dtype(np.uint32)
    arr = V.out_array(out, rshape, u32) if out is not None else np.empty(rshape, u32)
    key, gen = _key_and_gen(rng)
    if stream is None:
        stream = gen.stream() if gen is not None else 0
    f = fill_of(_core.DIST_BITS, u32, ())
    if reg is None or reg == tuple((0, n) for n in full):
        return f.run(arr, key, stream | (purpose << 56))  # type: ignore[no-any-return]
    return f.run(arr, key, stream | (purpose << 56), full, tuple(a for a, _ in reg))  # type: ignore[no-any-return]
