"""winit: fast, bit-reproducible neural-network weight initialization."""
from __future__ import annotations

import os as _os

from ._core._core import philox4x32, get_num_threads, set_num_threads
from ._core import _core as _corelib
from ._generator import Generator
from ._dists import normal, truncated_normal, uniform
from ._cuda import CudaUnavailableError

__version__ = "0.1.0"

if _os.environ.get("WINIT_SIMD"):
    _corelib.set_simd_level(_os.environ["WINIT_SIMD"].strip().lower())

__all__ = ["Generator", "philox4x32", "uniform", "normal", "truncated_normal",
           "set_num_threads", "get_num_threads", "CudaUnavailableError"]
