"""The CUDA driver: PyCUDA loaded on demand, the cause named when no GPU can serve
(``CudaUnavailableError``), each device's primary context (the one torch, JAX and CuPy
use: pushed around each use, popped after; never ``pycuda.autoinit``), its kernels
(the shipped fatbin, or the installed source through SourceModule), launches, and the
status ``python -m winit info`` prints."""
from __future__ import annotations

import math
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from ._launch import Launch, fatbin_images, fatbin_fits, fatbin_path, include_dir, source_path
from ._nvcc import DEVICE_FLAGS as NVCC_DEVICE_FLAGS
from ._nvcc import find_nvcc

__all__ = ["CudaUnavailableError", "parse_device", "get_device", "status", "format_status"]


class CudaUnavailableError(RuntimeError):
    """``device="cuda"`` was asked for, but no GPU can serve it here. The message
    names the cause (PyCUDA not installed, no NVIDIA driver, stub driver, no device,
    no kernel image for this GPU) and what to do about it."""


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
