"""QR of a GPU matrix: on the device with torch or CuPy (cuSOLVER) when either is
there with CUDA, else LAPACK on the host and an upload."""
from __future__ import annotations

from typing import Any

import numpy as np

from ._arrays import cuda_array_interface, to_device
from ._driver import get_device, parse_device

__all__ = ["qr"]


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
