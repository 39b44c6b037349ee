"""GPU arrays: ``out=`` validated from ``__cuda_array_interface__`` (a PyCUDA GPUArray,
a torch or CuPy CUDA tensor), value fills through the kernel list with the CPU's packed
parameters, constants and scatters for the structured schemes, uploads of host results."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._core import _core
from ._driver import get_device, parse_device
from ._launch import launch_plan

__all__ = ["cuda_array_interface", "check_out", "Target", "fill", "fill_constant", "scatter",
           "to_device"]

_TYPESTRS = {
    np.dtype(np.float32): ("<f4",), np.dtype(np.float64): ("<f8",),
    np.dtype(np.float16): ("<f2",), np.dtype(np.uint32): ("<u4",),
    np.dtype(np.complex64): ("<c8",), np.dtype(np.complex128): ("<c16",),
}
_BITS16 = ("<V2", "|V2", "<u2", "<i2", "|u2", "|i2")


def _typestr_ok(typestr: str, dt: np.dtype[Any]) -> bool:
    if dt.kind == "V" and dt.itemsize == 2:  # bfloat16: any 16-bit container
        return typestr in _BITS16 or typestr == dt.str
    return typestr in _TYPESTRS.get(dt, (dt.str,))


def cuda_array_interface(obj: Any) -> dict[str, Any]:
    cai: dict[str, Any]
    try:
        cai = obj.__cuda_array_interface__
    except AttributeError:
        raise TypeError("Argument `out` must be a GPU array exposing __cuda_array_interface__ "
                        "(a PyCUDA GPUArray, torch or CuPy CUDA tensor) for device='cuda'. "
                        f"Received: out of type {type(obj).__name__}") from None
    except (TypeError, KeyError) as e:  # older torch: no interface for bfloat16
        raise TypeError("Argument `out` has no usable __cuda_array_interface__ "
                        f"({e!r}); for bfloat16 pass a 16-bit integer view, e.g. "
                        "out=t.view(torch.int16)") from None
    except RuntimeError as e:  # torch: a tensor that requires grad
        raise TypeError(f"Argument `out` does not expose its memory ({e}). For a parameter, "
                        "pass out=param.detach() (same memory)") from None
    return cai


def _c_contiguous(shape: tuple[Any, ...], strides: Any, itemsize: int) -> bool:
    if strides is None or math.prod(shape) == 0:
        return True
    expect = itemsize
    for n, s in zip(reversed(shape), reversed(tuple(strides))):
        if n != 1 and s != expect:
            return False
        expect *= n
    return True


def check_out(out: Any, shape: tuple[Any, ...], dt: np.dtype[Any]) -> tuple[int, Any]:
    """Validate an ``out=`` GPU array from its ``__cuda_array_interface__``: shape,
    dtype, C-contiguity, writeable. Returns (device pointer, the stream it names)."""
    cai = cuda_array_interface(out)
    oshape = tuple(int(n) for n in cai.get("shape", ()))
    typestr = str(cai.get("typestr", ""))
    if oshape != tuple(shape) or not _typestr_ok(typestr, dt):
        raise ValueError(f"Argument `out` must have shape {tuple(shape)} and dtype {dt}. "
                         f"Received: out with shape {oshape} and typestr {typestr!r}")
    ptr, readonly = cai["data"]
    if not _c_contiguous(oshape, cai.get("strides"), dt.itemsize) or readonly:
        raise ValueError("Argument `out` must be a writeable C-contiguous array. "
                         "Received: a non-contiguous or read-only array")
    if cai.get("mask") is not None:
        raise ValueError("Argument `out` must not be a masked array")
    return int(ptr or 0), cai.get("stream")


class Target:
    """The GPU side of a plan (``winit._plan``): validates the device and ``out=``
    (ValueError / TypeError first, then CudaUnavailableError), then fills with the
    stream and the packed parameters of the plan, exactly as the CPU would."""

    def __init__(self, device: Any, out: Any, shape: tuple[Any, ...], dt: np.dtype[Any]) -> None:
        ordinal = parse_device(device)
        self.cai_stream: Any
        self.shape, self.dt, self.out = tuple(shape), dt, out
        self.ptr, self.cai_stream = check_out(out, shape, dt) if out is not None else (0, None)
        self.gpu = get_device(ordinal)
        if out is None:
            self.gpu.check_alloc(self.shape, dt)

    def fill(self, fill: Any, key: Any, stream: int, row_start: Any, row_len: int) -> Any:
        """Run ``fill`` (a ``_core.Fill``) for rows ``row_start`` of ``row_len`` elements
        of the stream into ``out`` (or a new GPUArray)."""
        plan = launch_plan(fill, key, stream, row_start, row_len)
        arr = self.out
        if arr is None:
            arr = self.gpu.empty(self.shape, self.dt)
            ptr = int(arr.gpudata) if arr.size else 0
        else:
            ptr = self.ptr
        self.gpu.launch(plan, ptr, self.cai_stream)
        return arr


def fill(out: Any, dist: int, dtype_code: int, key: Any, stream: int, params: tuple[Any, ...],
         row_start: Any, row_len: int, device: Any = "cuda") -> Any:
    """``_core.fill`` on the GPU: ``out`` is any C-contiguous GPU array holding
    nrows * row_len elements of the dtype's width (as _core.fill checks for numpy)."""
    cai = cuda_array_interface(out)
    f = _core.Fill(dist, dtype_code, params)  # ValueError for an unsupported combination
    shape = tuple(cai["shape"])
    nrows = int(np.asarray(row_start).size)
    n = math.prod(shape)
    tsize = int(np.dtype(cai["typestr"]).itemsize)
    if n * tsize != nrows * int(row_len) * f.itemsize or not _c_contiguous(
            shape, cai.get("strides"), tsize):
        raise ValueError(f"`out` holds {n * tsize} bytes; the fill needs {nrows * int(row_len)} "
                         f"contiguous elements of {f.itemsize} bytes")
    gpu = get_device(parse_device(device))
    gpu.launch(launch_plan(f, key, stream, row_start, row_len), int(cai["data"][0] or 0),
               cai.get("stream"))
    return out


# ---------------------------------------------------------------- structured schemes

def _value_bits(value: Any, cai: dict[str, Any], dtype: Any = None) -> tuple[str, list[Any]]:
    """(kernel suffix, [(argument format, word)]) for one element: ``value`` converted
    to ``dtype`` (default: out's dtype; a 2-byte void typestr means bfloat16), as its
    bit pattern, which must be as wide as out's elements."""
    width = np.dtype(cai["typestr"]).itemsize
    if dtype is None:
        dtype = np.dtype(cai["typestr"])
        if dtype.kind == "V" and width == 2:
            import ml_dtypes
            dtype = ml_dtypes.bfloat16
    dt = np.dtype(dtype)
    if dt.itemsize != width:
        raise ValueError(f"dtype {dt} does not match out's {width}-byte elements")
    bits = np.asarray(value).astype(dt).reshape(1)
    if width == 16:
        lo, hi = bits.view(np.uint64)
        return "u128", [("Q", int(lo)), ("Q", int(hi))]
    try:
        sfx, fmt, view = {2: ("u16", "H", np.uint16), 4: ("u32", "I", np.uint32),
                          8: ("u64", "Q", np.uint64)}[width]
    except KeyError:
        raise ValueError(f"unsupported element size {width} for a GPU fill") from None
    return sfx, [(fmt, int(bits.view(view)[0]))]


def _logical(dtype: Any) -> Any:
    if isinstance(dtype, str) and dtype.lower() == "bfloat16":
        import ml_dtypes
        return ml_dtypes.bfloat16
    return dtype


def _contiguous_cai(out: Any) -> tuple[dict[str, Any], tuple[Any, ...]]:
    cai = cuda_array_interface(out)
    shape = tuple(int(n) for n in cai["shape"])
    if not _c_contiguous(shape, cai.get("strides"), np.dtype(cai["typestr"]).itemsize):
        raise ValueError("Argument `out` must be C-contiguous")
    return cai, shape


def fill_constant(out: Any, value: Any, dtype: Any = None, device: Any = "cuda") -> Any:
    """Set every element of the GPU array ``out`` to ``value`` converted to ``dtype``
    (default out's own; pass ``"bfloat16"`` for a 16-bit integer view of bfloat16 data):
    zeros, ones, constant, the first step of identity / dirac."""
    cai, shape = _contiguous_cai(out)
    sfx, words = _value_bits(value, cai, _logical(dtype))
    fmt = ["Q"] + [f for f, _ in words] + ["P"]
    get_device(parse_device(device)).run(f"winit_k_fill_{sfx}", fmt, math.prod(shape),
                                         *(w for _, w in words), int(cai["data"][0] or 0))
    return out


def scatter(out: Any, flat_index: Any, value: Any, dtype: Any = None,
            device: Any = "cuda") -> Any:
    """Set out.flat[i] = value (converted as in ``fill_constant``) for each i in
    ``flat_index``: identity / dirac diagonals, sparse zero positions. The indices are
    checked on the host, then uploaded."""
    cai, shape = _contiguous_cai(out)
    idx = np.ascontiguousarray(flat_index, dtype=np.int64).reshape(-1)
    size = math.prod(shape)
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        raise ValueError(f"scatter index out of range for {size} elements")
    sfx, words = _value_bits(value, cai, _logical(dtype))
    gpu = get_device(parse_device(device))
    if idx.size == 0:
        return out
    fmt = ["Q", "P"] + [f for f, _ in words] + ["P"]
    with gpu.active():
        d_idx = gpu.drv.to_device(idx)
        gpu.function(f"winit_k_scatter_{sfx}", fmt).prepared_call(
            gpu.grid(idx.size), (gpu.BLOCK, 1, 1), idx.size, int(d_idx),
            *(w for _, w in words), int(cai["data"][0] or 0))
        gpu.drv.Context.synchronize()  # before d_idx is freed
        del d_idx
    return out


def to_device(host: np.ndarray[Any, Any], out: Any = None, device: Any = "cuda") -> Any:
    """Upload a host array (the host-LAPACK orthogonal path): a new GPUArray, or into
    ``out`` (any C-contiguous GPU array of the same shape and dtype)."""
    host = np.ascontiguousarray(host)
    gpu = get_device(parse_device(device))
    if out is None:
        import pycuda.gpuarray as gpuarray
        with gpu.active():
            return gpuarray.to_gpu(host)
    ptr, _ = check_out(out, host.shape, host.dtype)
    if host.nbytes:
        with gpu.active():
            gpu.drv.memcpy_htod(ptr, host)
    return out
