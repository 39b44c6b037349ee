"""nvcc facts shared by the build (kernels/build_fatbin.py, which loads this file by
path: no winit import at build time) and the run-time SourceModule path: where nvcc is,
and the device flags that give the CPU's bits."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

# IEEE-exact device arithmetic: no contraction, no fast math -- the CPU's bits.
DEVICE_FLAGS = ("-O3", "--fmad=false", "--prec-div=true", "--prec-sqrt=true", "--ftz=false")


def find_nvcc() -> str | None:
    """nvcc from WINIT_NVCC, CUDA_HOME/bin, CUDA_PATH/bin, or PATH."""
    if os.environ.get("WINIT_NVCC"):
        return os.environ["WINIT_NVCC"]
    for env in ("CUDA_HOME", "CUDA_PATH"):
        if os.environ.get(env) and (Path(os.environ[env]) / "bin" / "nvcc").is_file():
            return str(Path(os.environ[env]) / "bin" / "nvcc")
    return shutil.which("nvcc")
