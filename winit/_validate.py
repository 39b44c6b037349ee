"""Argument checks shared by every public function. Each raises ValueError or
TypeError naming the parameter and the value received, before anything is
allocated or any stream is taken."""
from __future__ import annotations

import math
import operator
import os
from typing import Any

import ml_dtypes
import numpy as np

BFLOAT16 = np.dtype(ml_dtypes.bfloat16)
REAL_DTYPES = (np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.float16), BFLOAT16)
COMPLEX_DTYPES = (np.dtype(np.complex64), np.dtype(np.complex128))
INT64_MAX = (1 << 63) - 1


def shape(value: Any, name: str = "shape") -> tuple[int, ...]:
    """A tuple of non-negative ints (an int means 1-D), each and their product < 2**63."""
    if type(value) is tuple:  # the common case, checked in a few operations
        for d in value:
            if type(d) is not int or not 0 <= d <= INT64_MAX:
                break
        else:
            if len(value) < 2 or len(value) <= 64 and math.prod(value) <= INT64_MAX:
                return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, (tuple, list)) and hasattr(value, "shape") and hasattr(value, "dtype"):
        _not_a_tensor(value, name)  # (a short 1-D int array is a shape, as it always was)
    try:
        dims = tuple(value)
    except TypeError:
        raise TypeError(f"Argument `{name}` must be a tuple of non-negative ints. "
                        f"Received: {name}={value!r}") from None
    out = []
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
            raise TypeError(f"Argument `{name}` must be a tuple of non-negative ints. "
                            f"Received: {name}={value!r} (element {d!r} of type {type(d).__name__})")
        d = operator.index(d)
        if d < 0:
            raise ValueError(f"Argument `{name}` must be a tuple of non-negative ints. "
                             f"Received: {name}={value!r}")
        if d > INT64_MAX:
            raise ValueError(f"Argument `{name}` has a dimension of {d}, more than an array can "
                             f"index (2**63 - 1). Received: {name}={value!r}")
        out.append(d)
    if len(out) > 64:  # numpy >= 2's limit
        raise ValueError(f"Argument `{name}` has {len(out)} dimensions; numpy arrays have at "
                         f"most 64. Received: {name}={tuple(out)!r}")
    n = math.prod(out)
    if n > INT64_MAX:
        raise ValueError(f"Argument `{name}`={tuple(out)} has {n} elements, more than an "
                         f"array can index (2**63 - 1)")
    return tuple(out)


def _not_a_tensor(value: Any, name: str) -> None:
    """An array or tensor passed as a shape: a short TypeError (its type, shape and dtype,
    never its values) unless it is a 1-D int array of at most 64 elements."""
    shp = tuple(value.shape)
    dt = str(value.dtype)
    if len(shp) == 1 and shp[0] <= 64 and "int" in dt:
        return
    raise TypeError(f"Argument `{name}` must be a tuple of non-negative ints. Received: a "
                    f"{type(value).__name__} of shape {shp} and dtype {dt} -- a tensor, not a "
                    f"shape; pass its shape: {name}=x.shape (to fill a numpy array in place: out=x)")


_DTYPES: dict[Any, np.dtype[Any]] = {}  # what np.dtype made of a hashable value, cached


def dtype(value: Any, allowed: tuple[Any, ...] = REAL_DTYPES + COMPLEX_DTYPES, name: str = "dtype") -> np.dtype[Any]:
    """A numpy dtype among ``allowed`` (names, numpy types and ml_dtypes.bfloat16)."""
    dt: np.dtype[Any] | None
    try:
        dt = _DTYPES.get(value)
    except TypeError:  # unhashable
        dt = None
    if dt is not None and dt in allowed:
        return dt
    torch_dt = type(value).__module__ == "torch"  # a torch.dtype (torch.float32): by name
    try:
        if isinstance(value, str) and value.lower() == "bfloat16" or \
                torch_dt and str(value) == "torch.bfloat16":
            dt = BFLOAT16
        else:
            dt = np.dtype(str(value).removeprefix("torch.") if torch_dt else value)
    except TypeError:
        dt = None
    if dt is None or value is None:
        raise TypeError(f"Argument `{name}` must be one of "
                        f"{', '.join(str(d) for d in allowed)}. Received: {name}={value!r}")
    if dt not in allowed:
        raise TypeError(f"Argument `{name}` must be one of "
                        f"{', '.join(str(d) for d in allowed)}. Received: {name}={value!r}")
    if (torch_dt or isinstance(value, (str, type, np.dtype))) and len(_DTYPES) < 256:
        _DTYPES[value] = dt
    return dt


def real(value: Any, name: str, allow_inf: bool = False, min_value: float | None = None,
         strict_min: bool = False) -> float:
    """A real number (Python or numpy int/float, not bool) as a Python float."""
    if type(value) is float and -math.inf < value < math.inf and (
            min_value is None or value > min_value or value == min_value and not strict_min):
        return value  # the common case
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"Argument `{name}` must be a real number. "
                        f"Received: {name}={value!r} of type {type(value).__name__}")
    try:
        v = float(value)
    except OverflowError:  # an int beyond float64
        raise ValueError(f"Argument `{name}` must be a finite number (an int this large has "
                         f"no float64). Received: {name} of {int(value).bit_length()} bits") from None
    if math.isnan(v) or (math.isinf(v) and not allow_inf):
        raise ValueError(f"Argument `{name}` must be a finite number. Received: {name}={value!r}")
    if min_value is not None and (v < min_value or (strict_min and v == min_value)):
        rel = ">" if strict_min else ">="
        raise ValueError(f"Argument `{name}` must be {rel} {min_value}. Received: {name}={value!r}")
    return v


def choice(value: Any, name: str, options: tuple[Any, ...]) -> Any:
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"Argument `{name}` must be one of {', '.join(repr(o) for o in options)}. "
                         f"Received: {name}={value!r}")
    return value


def region(value: Any, full: tuple[int, ...]) -> tuple[tuple[int, int], ...] | None:
    """``region`` (a slice or tuple of slices of the full shape, step 1; missing trailing
    dims mean the whole axis) -> ((start, stop), ...) per dim, or None for the whole."""
    if value is None:
        return None
    if isinstance(value, slice):
        value = (value,)
    if not isinstance(value, tuple):
        raise TypeError("Argument `region` must be a tuple of slices of the full shape. "
                        f"Received: region={value!r}")
    if len(value) > len(full):
        raise ValueError(f"Argument `region` has {len(value)} slices for a {len(full)}-D shape "
                         f"{full}. Received: region={value!r}")
    out = []
    for d, n in enumerate(full):
        s = value[d] if d < len(value) else slice(None)
        if not isinstance(s, slice):
            raise TypeError("Argument `region` must be a tuple of slices of the full shape. "
                            f"Received: region={value!r} (element {d} is {s!r})")
        if s.step not in (None, 1):
            raise ValueError(f"Argument `region` slices must have step 1. Received: region={value!r}")
        start = 0 if s.start is None else s.start
        stop = n if s.stop is None else s.stop
        for v in (start, stop):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise TypeError(f"Argument `region` bounds must be ints. Received: region={value!r}")
        if not (0 <= start <= stop <= n):
            raise ValueError(f"Argument `region` is out of bounds for shape {full} on axis {d}: "
                             f"{start}:{stop}. Received: region={value!r}")
        out.append((int(start), int(stop)))
    return tuple(out)


def out_array(out: Any, shape_: tuple[int, ...], dt: np.dtype[Any]) -> np.ndarray[Any, Any]:
    """A writeable numpy array of exactly this shape and dtype, any strides (a transposed
    or sliced view is filled in place), but no element seen twice (a zero stride)."""
    if not isinstance(out, np.ndarray):
        raise TypeError(f"Argument `out` must be a numpy.ndarray. Received: out of type "
                        f"{type(out).__name__}")
    if out.shape != shape_ or out.dtype != dt:
        raise ValueError(f"Argument `out` must have shape {shape_} and dtype {dt}. "
                         f"Received: out with shape {out.shape} and dtype {out.dtype}")
    if not out.flags.writeable:
        raise ValueError("Argument `out` must be a writeable array. Received: a read-only array")
    if out.size and any(st == 0 and n > 1 for st, n in zip(out.strides, out.shape)):
        raise ValueError("Argument `out` must not repeat elements (a zero stride). Received: "
                         f"out with shape {out.shape} and strides {out.strides}")
    return out


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


MEMORY = _physical_memory()  # bytes, or None where unknown


def allocatable(shape_: tuple[int, ...], dt: np.dtype[Any]) -> None:
    """Refuse, before allocating, a request larger than this machine's memory (with
    overcommit, numpy would succeed and the OS kill the process while filling)."""
    nbytes = math.prod(shape_) * dt.itemsize
    mem = MEMORY
    if mem is not None and nbytes > mem:
        raise MemoryError(f"shape {shape_} of {dt} needs {nbytes / 2**30:.1f} GiB, more than this "
                          f"machine's {mem / 2**30:.1f} GiB of memory; generate it in blocks with "
                          "`region=` or winit.dask")
