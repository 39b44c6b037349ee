"""winit.config(): what this process runs with (``python -m winit info`` prints it)."""
from __future__ import annotations

import os
from typing import Any

from ._core import _core


def config() -> dict[str, Any]:
    """The configuration in use, as a dict of plain Python values.

    Keys: ``version``; ``simd_level`` (the level fills use now), ``simd_available``
    (the levels this CPU and build have), ``simd_env`` (the ``WINIT_SIMD`` cap, or
    None); ``threads`` (OpenMP threads for fills); ``cuda`` (``available``, the
    ``error`` naming why not, PyCUDA and driver versions, devices, fatbin and kernel
    source paths). The bits of every result are the same whatever these say.

    >>> cfg = winit.config()
    >>> cfg["simd_level"] in cfg["simd_available"]
    True
    """
    from . import __version__, _cuda
    return {
        "version": __version__,
        "simd_level": _core.simd_level(),
        "simd_available": list(_core.simd_available()),
        "simd_env": os.environ.get("WINIT_SIMD"),
        "threads": _core.get_num_threads(),
        "cuda": _cuda.status(),
    }
