"""winit._cuda -- the GPU path: PyCUDA loader for ``kernels/winit_kernels.cu``.

Optional (``pip install "winit[cuda]"``): nothing here imports PyCUDA until a GPU is
asked for, and every way of not having one -- PyCUDA missing, no driver library, a
stub driver, no device, no kernel image for the GPU -- raises ``CudaUnavailableError``
naming the cause.

- Kernels come from the fatbin built at install time (``winit/_kernels/
  winit_kernels.fatbin``: sm_80/86/89/90 machine code + compute_90 PTX), or, where no
  image fits the GPU, from the installed ``.cu`` source through
  ``pycuda.compiler.SourceModule`` (needs nvcc at run time). ``WINIT_CUDA_KERNELS=
  fatbin|source`` forces one path.
- Contexts: the device's *primary* context (the one torch, JAX and CuPy use), pushed
  around each use and popped after; never ``pycuda.autoinit``.
- Launches go to the legacy default stream (ordered with torch's and CuPy's default
  streams). An ``out=`` whose ``__cuda_array_interface__`` names another stream is
  synchronised before and after the fill.
- The launch arguments are computed by ``launch_plan`` from exactly what the CPU fill
  receives (``_core.fill``'s arguments; truncated-normal constants from
  ``_core.tn_setup``), so the GPU computes the same values from the same numbers.
"""
from __future__ import annotations

import math
import os
import shutil
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ._core import _core

__all__ = ["CudaUnavailableError", "status", "parse_device", "get_device", "check_out",
           "launch_plan", "fill_constant", "scatter", "to_device", "qr"]


class CudaUnavailableError(RuntimeError):
    """``device="cuda"`` was asked for, but no GPU can serve it here. The message
    names the cause (PyCUDA not installed, no NVIDIA driver, stub driver, no device,
    no kernel image for this GPU) and what to do about it."""


# ---------------------------------------------------------------- kernel table

# The kernels' parameter structs (the header's own), as numpy records with C layout.
# kernels/host_harness.cpp prints the real offsets; tests/test_kernels_host.py compares.
_TN = ("loc", "scale", "lo", "hi", "pa", "qb", "d", "lb", "r", "omr")
_TN64 = np.dtype([(f, "<f8") for f in _TN] + [("mode", "<i4")], align=True)
PARAM_DTYPES = {
    "winit_knone": np.dtype([("unused", "<i4")], align=True),
    "winit_affine_f32": np.dtype([("loc", "<f4"), ("scale", "<f4")], align=True),
    "winit_affine_f64": np.dtype([("loc", "<f8"), ("scale", "<f8")], align=True),
    "winit_tn_f64": _TN64,
    "winit_tn_f32": np.dtype([(f, "<f4") for f in _TN] + [("mode", "<i4"), ("wide", _TN64)],
                             align=True),
    "winit_polar_f32": np.dtype([("scale", "<f4"), ("c", "<f4"), ("mode", "<i4")], align=True),
    "winit_polar_f64": np.dtype([("scale", "<f8"), ("c", "<f8"), ("mode", "<i4")], align=True),
}

_DIST = {_core.DIST_BITS: "bits", _core.DIST_UNIFORM: "uniform", _core.DIST_NORMAL: "normal",
         _core.DIST_TRUNCNORM: "truncnorm", _core.DIST_POLAR: "polar"}
_DT = {_core.DT_FLOAT32: ("f32", 4, 4), _core.DT_FLOAT64: ("f64", 2, 8),
       _core.DT_FLOAT16: ("f16", 4, 2), _core.DT_BFLOAT16: ("bf16", 4, 2),
       _core.DT_UINT32: ("u32", 4, 4)}
_PARAM_OF_DIST = {"bits": "winit_knone", "uniform": "winit_affine", "normal": "winit_affine",
                  "truncnorm": "winit_tn", "polar": "winit_polar"}


def _kernel_table() -> dict[tuple[int, int], tuple[str, str, int, int]]:
    """(dist, dtype code) -> (kernel name, parameter struct, elements per block, itemsize),
    for every combination the CPU core supports (the same list as WINIT_VALUE_KERNELS)."""
    table = {}
    for dist, dname in _DIST.items():
        for code, (sfx, epb, isz) in _DT.items():
            if (dname == "bits") != (sfx == "u32"):
                continue
            if dname == "polar" and sfx not in ("f32", "f64"):
                continue
            base = _PARAM_OF_DIST[dname]
            pname = base if dname == "bits" else f"{base}_{'f64' if sfx == 'f64' else 'f32'}"
            table[(dist, code)] = (f"winit_k_{dname}_{sfx}", pname, epb, isz)
    return table


KERNELS = _kernel_table()

# Device-code flags: IEEE-exact arithmetic, no contraction -- the CPU's bits.
NVCC_DEVICE_FLAGS = ("-O3", "--fmad=false", "--prec-div=true", "--prec-sqrt=true", "--ftz=false")


class Launch(NamedTuple):
    """Everything a value kernel launch needs, computed on the host without a GPU."""
    kernel: str
    params: bytes          # the parameter struct, C layout
    k0: int
    k1: int
    stream: int
    start: int             # the run's first index when row_start is None
    nrows: int
    len: int
    nbmax: int             # work items per row
    row_start: np.ndarray[Any, Any] | None  # uint64 per row (regions), or None: one run
    epb: int
    itemsize: int

    @property
    def nwork(self) -> int:
        return self.nrows * self.nbmax

    @property
    def arg_format(self) -> list[Any]:
        """PyCUDA prepare() format of the kernel's arguments (native alignment, as the
        CUDA ABI lays kernel parameters out): params, k0, k1, stream, row_start, start,
        nrows, len, nbmax, out."""
        return [f"{len(self.params)}s", "I", "I", "Q", "P", "Q", "Q", "Q", "Q", "P"]


def param_bytes(dist: int, dtype_code: int, params: tuple[Any, ...]) -> bytes:
    """The kernel's parameter struct for ``_core.fill``'s ``params``, with the values
    the CPU fill uses: float32 fields rounded from the doubles as C's (float) cast
    does, truncated-normal constants from ``_core.tn_setup`` (the CPU's own setup)."""
    try:
        _, pname, _, _ = KERNELS[(dist, dtype_code)]
    except KeyError:
        raise ValueError(f"unsupported (dist, dtype) = ({dist}, {dtype_code})") from None
    rec = np.zeros((), PARAM_DTYPES[pname])
    f64 = dtype_code == _core.DT_FLOAT64
    if dist in (_core.DIST_UNIFORM, _core.DIST_NORMAL):
        loc, scale = params
        rec["loc"], rec["scale"] = loc, scale
    elif dist == _core.DIST_TRUNCNORM:
        a, b, loc, scale, lo, hi = (float(p) for p in params)
        t = _core.tn_setup(a, b, loc, scale, lo, hi, f64)
        for f in _TN + ("mode",):
            rec[f] = t[f]
        if not f64:
            for f in _TN + ("mode",):
                rec["wide"][f] = t["wide"][f]
    elif dist == _core.DIST_POLAR:
        scale, c, mode = params
        rec["scale"], rec["c"], rec["mode"] = scale, c, mode
    return rec.tobytes()


def launch_plan(dist: int, dtype_code: int, key: Any, stream: int, params: tuple[Any, ...],
                row_start: Any, row_len: int) -> Launch:
    """The launch for ``_core.fill(out, dist, dtype_code, key, stream, params, row_start,
    row_len)``: run r = elements row_start[r] .. + row_len of the stream."""
    pb = param_bytes(dist, dtype_code, params)
    name, _, epb, isz = KERNELS[(dist, dtype_code)]
    starts = np.ascontiguousarray(row_start, dtype=np.uint64).reshape(-1)
    nrows, row_len = int(starts.size), int(row_len)
    if nrows == 0 or row_len == 0:
        nbmax = 0
    else:
        e = np.uint64(epb)
        nbmax = int(((starts + np.uint64(row_len - 1)) // e - starts // e).max()) + 1
    one = nrows == 1
    return Launch(name, pb, int(key[0]) & 0xFFFFFFFF, int(key[1]) & 0xFFFFFFFF,
                  int(stream), int(starts[0]) if one else 0, nrows, row_len, nbmax,
                  None if one or nrows == 0 else starts, epb, isz)


# ---------------------------------------------------------------- package files

def _pkg_file(*parts: str) -> Path | None:
    try:
        p = resources.files("winit").joinpath(*parts)
    except (ModuleNotFoundError, TypeError):
        return None
    return Path(str(p)) if p.is_file() else None


def fatbin_path() -> Path | None:
    """The shipped fatbin (built when nvcc was present at build time), or None."""
    return _pkg_file("_kernels", "winit_kernels.fatbin")


def source_path() -> Path | None:
    """The kernel source: installed with the package, else the source checkout's."""
    p = _pkg_file("_kernels", "winit_kernels.cu")
    if p is None:
        q = Path(__file__).resolve().parent.parent / "kernels" / "winit_kernels.cu"
        p = q if q.is_file() else None
    return p


def include_dir() -> Path:
    return Path(__file__).resolve().parent / "_core" / "include"


FATBIN_MAGIC = 0xBA55ED50


def fatbin_images(data: bytes) -> list[tuple[str, int]]:
    """(kind, arch) of each image in a fatbin: ("sm", 80) for machine code,
    ("ptx", 90) for PTX. Parses the container header (no cuobjdump needed)."""
    out = []
    off = 0
    while off + 16 <= len(data):
        magic, _ver, hsize, size = struct.unpack_from("<IHHQ", data, off)
        if magic != FATBIN_MAGIC:
            break
        e, end = off + hsize, off + hsize + size
        while e + 32 <= end:
            kind, _v, ehs, psize = struct.unpack_from("<HHIQ", data, e)
            arch = struct.unpack_from("<I", data, e + 28)[0]
            if kind in (1, 2):
                out.append(("ptx" if kind == 1 else "sm", arch))
            if ehs == 0:
                break
            e += ehs + psize
        off = end
    return out


def fatbin_fits(images: list[tuple[str, int]], cc: tuple[int, int]) -> bool:
    """Can the driver run this fatbin on compute capability cc? Machine code for the
    same major and a minor <= the GPU's, or PTX for an arch <= the GPU's (JIT)."""
    major, minor = cc
    for kind, arch in images:
        if kind == "sm" and arch // 10 == major and arch % 10 <= minor:
            return True
        if kind == "ptx" and arch <= 10 * major + minor:
            return True
    return False


def find_nvcc() -> str | None:
    for env in ("WINIT_NVCC",):
        if os.environ.get(env):
            return os.environ[env]
    for env in ("CUDA_HOME", "CUDA_PATH"):
        if os.environ.get(env):
            p = Path(os.environ[env]) / "bin" / "nvcc"
            if p.is_file():
                return str(p)
    return shutil.which("nvcc")


# ---------------------------------------------------------------- the driver

_lock = threading.RLock()
_drv = None
_drv_error: str | None = None
_devices: dict[int, _Device] = {}


def _classify(exc: BaseException) -> str:
    msg = str(exc)
    low = msg.lower()
    if "libcuda" in low and ("cannot open" in low or "no such file" in low):
        return ("no NVIDIA driver: the driver library libcuda.so.1 cannot be loaded "
                f"({msg}); install the NVIDIA driver (R580 or newer for CUDA 13)")
    if "stub" in low:
        return ("the CUDA driver library is a stub (libcuda.so from the toolkit's stubs/ "
                f"directory, not a real driver) ({msg}); install the NVIDIA driver or take "
                "the stubs directory off LD_LIBRARY_PATH")
    if "no cuda-capable device" in low or "no_device" in low:
        return f"no CUDA-capable device is detected ({msg})"
    if "insufficient" in low or "driver version" in low:
        return f"the NVIDIA driver is too old for this PyCUDA build ({msg})"
    if "undefined symbol" in low or "_v2" in low:
        return f"the NVIDIA driver does not match PyCUDA's build ({msg})"
    return f"CUDA cannot be initialised ({type(exc).__name__}: {msg})"


def _driver() -> Any:
    """pycuda.driver, initialised; CudaUnavailableError naming the cause otherwise."""
    global _drv, _drv_error
    with _lock:
        if _drv is not None:
            return _drv
        if _drv_error is None:
            _drv_error = _load_driver()
        if _drv_error:
            raise CudaUnavailableError(f'device="cuda" is unavailable: {_drv_error}')
        return _drv


# CUresult codes the probe names (cuda.h)
_CU_CAUSES = {
    34: "the CUDA driver library is a stub (libcuda.so from the toolkit's stubs/ directory, "
        "not a real driver); install the NVIDIA driver or take the stubs directory off "
        "LD_LIBRARY_PATH",
    100: "no CUDA-capable device is detected",
    35: "the NVIDIA driver is older than the CUDA runtime needs (CUDA_ERROR_INSUFFICIENT_DRIVER)",
    999: "cuInit failed with CUDA_ERROR_UNKNOWN (driver / kernel module mismatch?)",
    304: "cuInit failed: an operating system call failed (CUDA_ERROR_OPERATING_SYSTEM)",
    3: "the driver could not be initialised (CUDA_ERROR_NOT_INITIALIZED)",
}


def _libcuda() -> Any:
    """The driver library itself, through ctypes (OSError when absent)."""
    import ctypes
    return ctypes.CDLL("nvcuda.dll" if os.name == "nt" else "libcuda.so.1")


def _probe_driver() -> str:
    """Ask the driver library directly whether a GPU is usable, before PyCUDA does:
    a stub driver's error strings are themselves stubs, which PyCUDA cannot report.
    Returns '' when usable, else the cause."""
    import ctypes
    try:
        lib = _libcuda()
    except OSError as e:
        return ("no NVIDIA driver: the driver library libcuda.so.1 cannot be loaded "
                f"({e}); install the NVIDIA driver (R580 or newer for CUDA 13)")
    try:
        rc = int(lib.cuInit(0))
        if rc == 0:
            n = ctypes.c_int(0)
            rc = int(lib.cuDeviceGetCount(ctypes.byref(n)))
            if rc == 0 and n.value == 0:
                return "no CUDA-capable device is detected (the driver reports 0 devices)"
    except AttributeError as e:
        return f"libcuda.so.1 is not an NVIDIA driver library ({e})"
    if rc == 0:
        return ""
    return _CU_CAUSES.get(rc, f"cuInit failed with CUresult {rc}")


def _load_driver() -> str:
    global _drv
    try:
        import pycuda  # noqa: F401
    except ImportError as e:
        return ("PyCUDA is not installed (pip install 'winit[cuda]'; docs/gpu.md has the "
                f"build recipe) ({e})")
    cause = _probe_driver()
    if cause:
        return cause
    try:
        import pycuda.driver as drv
    except (ImportError, OSError) as e:
        return _classify(e)
    try:
        drv.init()
        n = drv.Device.count()
    except Exception as e:  # pycuda._driver.Error and its subclasses
        return _classify(e)
    if n == 0:
        return "no CUDA-capable device is detected (the driver reports 0 devices)"
    _drv = drv
    return ""


def parse_device(device: Any) -> int:
    """'cuda' -> 0, 'cuda:N' -> N; ValueError naming the argument otherwise."""
    if isinstance(device, str):
        if device == "cuda":
            return 0
        if device.startswith("cuda:") and device[5:].isdigit():
            return int(device[5:])
    raise ValueError("Argument `device` must be 'cpu', 'cuda' or 'cuda:N'. "
                     f"Received: device={device!r}")


def get_device(ordinal: int = 0) -> _Device:
    """The initialised GPU ``ordinal`` (its primary context and kernels)."""
    drv = _driver()
    with _lock:
        dev = _devices.get(ordinal)
        if dev is None:
            n = drv.Device.count()
            if not 0 <= ordinal < n:
                raise CudaUnavailableError(f'device="cuda:{ordinal}" does not exist: the driver '
                                           f"reports {n} device(s)")
            dev = _devices[ordinal] = _Device(drv, ordinal)
        return dev


class _Device:
    BLOCK = 256

    def __init__(self, drv: Any, ordinal: int) -> None:
        self.drv = drv
        self.ordinal = ordinal
        self.dev = drv.Device(ordinal)
        self.cc = self.dev.compute_capability()
        self.name = self.dev.name()
        if self.cc < (7, 5):
            raise CudaUnavailableError(
                f"GPU {ordinal} ({self.name}, sm_{self.cc[0]}{self.cc[1]}) is older than "
                "CUDA 13 supports (sm_75 and newer)")
        self.sm_count = self.dev.get_attribute(drv.device_attribute.MULTIPROCESSOR_COUNT)
        self.ctx = self.dev.retain_primary_context()
        self._funcs: dict[str, Any] = {}
        with self.active():
            self.module, self.kernels_from = self._load_module()

    @contextmanager
    def active(self) -> Iterator[None]:
        """The primary context, current for the duration (push / pop)."""
        self.ctx.push()
        try:
            yield
        finally:
            self.drv.Context.pop()

    def _load_module(self) -> Any:
        drv = self.drv
        mode = os.environ.get("WINIT_CUDA_KERNELS", "auto").strip().lower()
        arch = f"sm_{self.cc[0]}{self.cc[1]}"
        why = []
        if mode in ("auto", "fatbin"):
            fb = fatbin_path()
            if fb is None:
                why.append("the package has no fatbin (built without nvcc)")
            else:
                try:
                    return drv.module_from_buffer(fb.read_bytes()), "fatbin"
                except drv.Error as e:
                    why.append(f"the shipped fatbin has no image that loads on {arch} ({e})")
        if mode in ("auto", "source"):
            src = source_path()
            if src is None:
                why.append("the kernel source winit/_kernels/winit_kernels.cu is missing")
            elif find_nvcc() is None:
                why.append("nvcc is not on PATH to compile the kernels for it (SourceModule)")
            else:
                try:
                    from pycuda.compiler import SourceModule
                    mod = SourceModule(src.read_text(), nvcc=find_nvcc(), no_extern_c=True, arch=arch,
                                       include_dirs=[str(include_dir())],
                                       options=list(NVCC_DEVICE_FLAGS))
                    return mod, "source"
                except Exception as e:
                    why.append(f"compiling the kernel source with nvcc failed ({e})")
        raise CudaUnavailableError(f"no CUDA kernels for GPU {self.ordinal} ({self.name}, "
                                   f"{arch}): " + "; ".join(why))

    def function(self, name: str, fmt: list[Any]) -> Any:
        f = self._funcs.get(name)
        if f is None:
            f = self._funcs[name] = self.module.get_function(name)
            f.prepare(fmt)
        return f

    def grid(self, n: int) -> tuple[int, int]:
        return (max(1, min(-(-n // self.BLOCK), self.sm_count * 32)), 1)

    def check_alloc(self, shape: tuple[Any, ...], dt: np.dtype[Any]) -> None:
        nbytes = math.prod(shape) * dt.itemsize
        with self.active():
            free, total = self.drv.mem_get_info()
        if nbytes > free:
            raise MemoryError(f"shape {shape} of {dt} needs {nbytes / 2**30:.1f} GiB, more than "
                              f"the {free / 2**30:.1f} GiB free on GPU {self.ordinal} "
                              f"({self.name}); generate it in blocks with `region=`")

    def empty(self, shape: tuple[Any, ...], dt: np.dtype[Any]) -> Any:
        import pycuda.gpuarray as gpuarray
        with self.active():
            return gpuarray.empty(shape, dt)

    def launch(self, plan: Launch, ptr: int, cai_stream: Any = None) -> None:
        """Run the value kernel of ``plan`` writing to device pointer ``ptr``."""
        if plan.nwork == 0:
            return
        foreign = cai_stream not in (None, 1, 2)  # 1/2: legacy / per-thread default
        with self.active():
            if foreign:
                self.drv.Context.synchronize()
            rs = 0
            keep = None
            if plan.row_start is not None:
                keep = self.drv.to_device(plan.row_start)
                rs = int(keep)
            f = self.function(plan.kernel, plan.arg_format)
            f.prepared_call(self.grid(plan.nwork), (self.BLOCK, 1, 1), plan.params, plan.k0,
                            plan.k1, plan.stream, rs, plan.start, plan.nrows, plan.len,
                            plan.nbmax, ptr)
            if foreign or keep is not None:
                self.drv.Context.synchronize()  # out ready for its stream; rows freeable
            del keep

    def run(self, name: str, fmt: list[Any], n: int, *args: Any) -> None:
        if n == 0:
            return
        with self.active():
            self.function(name, fmt).prepared_call(self.grid(n), (self.BLOCK, 1, 1), n, *args)


# ---------------------------------------------------------------- arrays

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
    """The GPU side of ``winit._dists.generate``: validates the device and ``out=``
    (ValueError / TypeError first, then CudaUnavailableError), then fills with the
    stream and parameters generate passes, exactly as ``_core.fill`` would."""

    def __init__(self, device: Any, out: Any, shape: tuple[Any, ...], dt: np.dtype[Any]) -> None:
        ordinal = parse_device(device)
        self.cai_stream: Any
        self.shape, self.dt, self.out = tuple(shape), dt, out
        self.ptr, self.cai_stream = check_out(out, shape, dt) if out is not None else (0, None)
        self.gpu = get_device(ordinal)
        if out is None:
            self.gpu.check_alloc(self.shape, dt)

    def fill(self, dist: int, dtype_code: int, key: Any, stream: int, params: tuple[Any, ...],
             row_start: Any, row_len: int) -> Any:
        plan = launch_plan(dist, dtype_code, key, stream, params, row_start, row_len)
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
    if (dist, dtype_code) not in KERNELS:
        raise ValueError(f"unsupported (dist, dtype) = ({dist}, {dtype_code})")
    isz = KERNELS[(dist, dtype_code)][3]
    shape = tuple(cai["shape"])
    nrows = int(np.asarray(row_start).size)
    n = math.prod(shape)
    tsize = int(np.dtype(cai["typestr"]).itemsize)
    if n * tsize != nrows * int(row_len) * isz or not _c_contiguous(shape, cai.get("strides"), tsize):
        raise ValueError(f"`out` holds {n * tsize} bytes; the fill needs {nrows * int(row_len)} "
                         f"contiguous elements of {isz} bytes")
    gpu = get_device(parse_device(device))
    gpu.launch(launch_plan(dist, dtype_code, key, stream, params, row_start, row_len),
               int(cai["data"][0] or 0), cai.get("stream"))
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


def qr(a: Any, device: Any = "cuda") -> tuple[Any, Any, str]:
    """Reduced QR of a 2-D float32/float64 GPU array: (q, r, backend). On the device
    with torch.linalg.qr or cupy.linalg.qr (cuSOLVER) when either is importable with
    CUDA, else numpy.linalg.qr on the host and an upload. q and r are GPUArrays (for
    torch/CuPy results, views of their memory that keep it alive). Device QR is not
    bit-identical to the CPU's LAPACK; the host backend is."""
    import pycuda.gpuarray as gpuarray
    gpu = get_device(parse_device(device))
    cai = cuda_array_interface(a)
    dt = np.dtype(cai["typestr"])
    shape = tuple(cai["shape"])

    def wrap(t: Any, ptr: int) -> Any:
        return gpuarray.GPUArray(tuple(t.shape), dt, gpudata=ptr, base=t)

    try:
        import torch
        if torch.cuda.is_available():
            with gpu.active():
                t = torch.as_tensor(a, device=f"cuda:{gpu.ordinal}")
                q, r = torch.linalg.qr(t, mode="reduced")
                q, r = q.contiguous(), r.contiguous()
                torch.cuda.synchronize(gpu.ordinal)
            return wrap(q, q.data_ptr()), wrap(r, r.data_ptr()), "torch"
    except ImportError:
        pass
    try:
        import cupy
        with gpu.active(), cupy.cuda.Device(gpu.ordinal):
            c = cupy.asarray(a)
            q, r = cupy.linalg.qr(c, mode="reduced")
            q, r = cupy.ascontiguousarray(q), cupy.ascontiguousarray(r)
            cupy.cuda.Device(gpu.ordinal).synchronize()
        return wrap(q, q.data.ptr), wrap(r, r.data.ptr), "cupy"
    except ImportError:
        pass
    with gpu.active():
        host = np.empty(shape, dt)
        gpu.drv.memcpy_dtoh(host, int(cai["data"][0]))
    q, r = np.linalg.qr(host, mode="reduced")
    return to_device(q, device=device), to_device(r, device=device), "host"


# ---------------------------------------------------------------- status (python -m winit info)

def status() -> dict[str, Any]:
    """What ``python -m winit info`` reports: PyCUDA, driver, devices, kernel path."""
    fb = fatbin_path()
    images = fatbin_images(fb.read_bytes()) if fb is not None else []
    src = source_path()
    info: dict[str, Any] = {
        "available": False, "error": None, "pycuda": None, "driver": None, "devices": [],
        "fatbin": str(fb) if fb else None,
        "fatbin_images": [f"{k}_{a}" for k, a in images],
        "source": str(src) if src else None, "nvcc": find_nvcc(),
        "kernels_env": os.environ.get("WINIT_CUDA_KERNELS", "auto"),
    }
    try:
        import pycuda
        info["pycuda"] = getattr(pycuda, "VERSION_TEXT", None) or ".".join(
            str(v) for v in getattr(pycuda, "VERSION", ()))
    except ImportError:
        pass
    try:
        drv = _driver()
    except CudaUnavailableError as e:
        info["error"] = str(e)
        return info
    v = drv.get_driver_version()
    info["driver"] = f"{v // 1000}.{(v % 1000) // 10} (CUDA driver API {v})"
    mode = info["kernels_env"]
    for i in range(drv.Device.count()):
        d = drv.Device(i)
        cc = d.compute_capability()
        dev = _devices.get(i)
        if dev is not None:
            path = dev.kernels_from
        elif mode != "source" and images and fatbin_fits(images, cc):
            path = "fatbin"
        elif mode != "fatbin" and src is not None and info["nvcc"]:
            path = "source (SourceModule, nvcc at run time)"
        else:
            path = "none: no fatbin image fits and no nvcc"
        info["devices"].append({"index": i, "name": d.name(), "sm": f"sm_{cc[0]}{cc[1]}",
                                "memory_gib": round(d.total_memory() / 2**30, 1),
                                "kernels": path})
    info["available"] = any(not d["kernels"].startswith("none") for d in info["devices"])
    return info


def format_status(info: dict[str, Any]) -> str:
    lines = [f"CUDA: {'available' if info['available'] else 'unavailable'}"]
    if info["error"]:
        lines.append(f"  cause: {info['error']}")
    lines.append(f"  PyCUDA: {info['pycuda'] or 'not installed'}")
    if info["driver"]:
        lines.append(f"  driver: {info['driver']}")
    for d in info["devices"]:
        lines.append(f"  device {d['index']}: {d['name']} ({d['sm']}, {d['memory_gib']} GiB), "
                     f"kernels: {d['kernels']}")
    lines.append(f"  fatbin: {info['fatbin'] or 'none (built without nvcc)'}"
                 + (f" [{', '.join(info['fatbin_images'])}]" if info["fatbin_images"] else ""))
    lines.append(f"  kernel source: {info['source'] or 'missing'}; nvcc: {info['nvcc'] or 'not found'}")
    return "\n".join(lines)
