"""Build the CUDA kernels into the package: winit/_kernels/winit_kernels.fatbin (when
nvcc is found) and a copy of winit_kernels.cu (always, for SourceModule at run time).

setup.py calls ``build(dest)`` after building the extensions; the tests call
``fatbin_command`` so they compile exactly what the package ships. Standalone:

    python kernels/build_fatbin.py [DEST_DIR]     # default winit/_kernels

Environment: WINIT_BUILD_CUDA=0 skips the fatbin, =1 makes a missing nvcc or a
failed compile an error (default: build if nvcc is found, warn on failure);
WINIT_NVCC / CUDA_HOME / CUDA_PATH / PATH locate nvcc.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# nvcc and its flags, shared with the run-time path (winit/_cuda/_nvcc.py; loaded by path:
# winit itself is not importable while it is being built)
_spec = importlib.util.spec_from_file_location("winit_nvcc", ROOT / "winit" / "_cuda" / "_nvcc.py")
_nvcc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_nvcc)
find_nvcc = _nvcc.find_nvcc
DEVICE_FLAGS = _nvcc.DEVICE_FLAGS
SOURCE = HERE / "winit_kernels.cu"
INCLUDE = ROOT / "winit" / "_core" / "include"
HEADERS = sorted((INCLUDE / "winit").glob("*.h")) + [ROOT / "winit" / "_cuda" / "_nvcc.py"]
FATBIN = "winit_kernels.fatbin"

# Machine code for these (CUDA 13 supports sm_75 and newer), PTX for the last one so
# newer GPUs (sm_100, sm_120, ...) JIT it. sm_80 code also runs on sm_87/sm_88.
ARCHS = ("80", "86", "89", "90")
# DEVICE_FLAGS: IEEE-exact device arithmetic (no contraction, no fast math: the CPU's
# bits). Uncompressed: older drivers need not understand new fatbin compression modes;
# --threads=0: the archs compile in parallel (same bytes).


def fatbin_command(nvcc: str, out: str | Path, archs=ARCHS) -> list[str]:
    gencode = [f"-gencode=arch=compute_{a},code=sm_{a}" for a in archs[:-1]]
    gencode.append(f"-gencode=arch=compute_{archs[-1]},code=[sm_{archs[-1]},compute_{archs[-1]}]")
    return [nvcc, "-fatbin", "--no-compress", "--threads=0", *DEVICE_FLAGS, *gencode, f"-I{INCLUDE}",
            "-o", str(out), str(SOURCE)]


def _stale(target: Path) -> bool:
    if not target.is_file():
        return True
    t = target.stat().st_mtime
    return any(p.stat().st_mtime > t for p in (SOURCE, Path(__file__), *HEADERS))


def build(dest: str | Path, log=print) -> Path | None:
    """Copy the kernel source into ``dest`` and compile the fatbin there if nvcc is
    available (skipped when up to date). Returns the fatbin's path, or None."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(SOURCE, dest / SOURCE.name)
    mode = os.environ.get("WINIT_BUILD_CUDA", "auto").strip().lower()
    target = dest / FATBIN
    if mode in ("0", "no", "off", "false"):
        log("winit: WINIT_BUILD_CUDA=0, CUDA fatbin not built (CPU only; SourceModule at run time)")
        return None
    nvcc = find_nvcc()
    if nvcc is None:
        if mode in ("1", "yes", "on", "true"):
            raise RuntimeError("WINIT_BUILD_CUDA=1 but nvcc was not found")
        log("winit: nvcc not found, CUDA fatbin not built (CPU only; see docs/gpu.md)")
        return None
    if not _stale(target):
        return target
    cmd = fatbin_command(nvcc, target.with_suffix(".tmp"))
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        msg = f"winit: nvcc failed, CUDA fatbin not built:\n{' '.join(cmd)}\n{r.stderr}"
        if mode in ("1", "yes", "on", "true"):
            raise RuntimeError(msg)
        log(msg)
        return None
    os.replace(target.with_suffix(".tmp"), target)
    log(f"winit: built {target} (sm_{', sm_'.join(ARCHS)} + compute_{ARCHS[-1]} PTX) "
        f"in {time.perf_counter() - t0:.1f} s")
    return target


if __name__ == "__main__":
    out = build(sys.argv[1] if len(sys.argv) > 1 else ROOT / "winit" / "_kernels")
    sys.exit(0 if out is not None or find_nvcc() is None else 1)
