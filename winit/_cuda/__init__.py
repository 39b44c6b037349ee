"""winit._cuda -- the GPU backend of the plan engine: PyCUDA over ``kernels/winit_kernels.cu``.

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
  receives (a ``_core.Fill``: the kernel of winit/kernels.h and its packed parameter
  struct), so the GPU computes the same values from the same numbers.

Rooms: ``_driver`` (PyCUDA, contexts, devices, status), ``_launch`` (the pure-Python
launch planning the host tests use), ``_arrays`` (array interop, fills, uploads),
``_qr``, ``_nvcc`` (nvcc and its flags, shared with kernels/build_fatbin.py).
"""
from __future__ import annotations

from ._arrays import (Target, check_out, cuda_array_interface, fill, fill_constant, scatter,
                      to_device)
from ._driver import CudaUnavailableError, format_status, get_device, parse_device, status
from ._launch import (KERNELS, Launch, fatbin_fits, fatbin_images, fatbin_path, include_dir,
                      launch_plan, source_path)
from ._nvcc import DEVICE_FLAGS as NVCC_DEVICE_FLAGS
from ._nvcc import find_nvcc
from ._qr import qr

__all__ = ["CudaUnavailableError", "status", "format_status", "parse_device", "get_device",
           "check_out", "cuda_array_interface", "launch_plan", "Launch", "KERNELS", "Target",
           "fill", "fill_constant", "scatter", "to_device", "qr", "fatbin_images",
           "fatbin_fits", "fatbin_path", "source_path", "include_dir", "find_nvcc",
           "NVCC_DEVICE_FLAGS"]
