"""Launch planning, without a GPU: the kernel table (derived from winit/kernels.h through
``winit._core.KERNELS``), the arguments of a value kernel launch for exactly what the CPU
fill receives, and the shipped kernel files. kernels/host_harness.cpp and the tests run
these plans on the CPU."""
from __future__ import annotations

import struct
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .._core import _core

__all__ = ["KERNELS", "Launch", "launch_plan", "fatbin_path", "source_path", "include_dir",
           "fatbin_images", "fatbin_fits"]

#: (dist, dtype code) -> (kernel name, elements per block, element bytes): the list of
#: winit/kernels.h, as the C core exports it.
KERNELS: dict[tuple[int, int], tuple[str, int, int]] = {
    (dist, dt): (f"winit_k_{name}", epb, isz) for name, dist, dt, epb, isz, _ in _core.KERNELS}


class Launch(NamedTuple):
    """Everything a value kernel launch needs, computed on the host without a GPU."""
    kernel: str
    params: bytes          # the parameter struct, C layout (_core.Fill.param_bytes)
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


def launch_plan(fill: Any, key: Any, stream: int, row_start: Any, row_len: int) -> Launch:
    """The launch of ``fill`` (a ``_core.Fill``: the kernel and its packed parameters,
    the very ones the CPU uses) for run r = elements row_start[r] .. + row_len of the
    stream."""
    name, epb, isz = KERNELS[(fill.dist, fill.dtype)]
    starts = np.ascontiguousarray(row_start, dtype=np.uint64).reshape(-1)
    nrows, row_len = int(starts.size), int(row_len)
    if nrows == 0 or row_len == 0:
        nbmax = 0
    else:
        e = np.uint64(epb)
        nbmax = int(((starts + np.uint64(row_len - 1)) // e - starts // e).max()) + 1
    one = nrows == 1
    return Launch(name, fill.param_bytes, int(key[0]) & 0xFFFFFFFF, int(key[1]) & 0xFFFFFFFF,
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
        q = Path(__file__).resolve().parents[2] / "kernels" / "winit_kernels.cu"
        p = q if q.is_file() else None
    return p


def include_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "_core" / "include"


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
