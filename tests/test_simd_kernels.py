"""The hand-written AVX-512 kernels (winit/_core/simd_avx512_kernels.h) against the scalar
header, bit for bit: tests/simd_kernels/check_avx512.c, compiled with the extension's
flags and run on this CPU. By default a quick pass (every block fill on random counters,
keys and lengths; all 2^24 Box-Muller uniforms; all 2^23 truncated-normal uniforms for 3
parameter sets; a stride of the float16 / bfloat16 conversions); `-m slow` runs the full
one (8 truncated-normal parameter sets, every float32 bit pattern, 400 block rounds).

Without AVX-512 it skips: tests/test_simd.py then checks the kernels under SIMDe
emulation against the portable level."""
import platform
import shutil
import subprocess
from pathlib import Path

import pytest

import winit
from winit._core import _core

HERE = Path(__file__).parent
CORE = Path(winit.__file__).parent / "_core"
FLAGS = ["-O2", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math", "-fopenmp",
         f"-I{CORE / 'include'}", f"-I{CORE}"]

pytestmark = [
    pytest.mark.skipif("avx512" not in _core.simd_available(),
                       reason="this CPU has no AVX-512 (tests/test_simd.py emulates it)"),
    pytest.mark.skipif(shutil.which("gcc") is None or platform.machine() not in ("x86_64", "AMD64"),
                       reason="needs gcc on x86-64"),
    pytest.mark.skipif(not (CORE / "simd_avx512_kernels.h").exists(),
                       reason="needs the C sources next to the package (a source tree)"),
]


@pytest.fixture(scope="module")
def checker(tmp_path_factory):
    exe = tmp_path_factory.mktemp("simd_kernels") / "check_avx512"
    subprocess.run(["gcc", *FLAGS, str(HERE / "simd_kernels" / "check_avx512.c"), "-o", str(exe),
                    "-lm"], check=True)
    return exe


def run(exe, *args):
    r = subprocess.run([str(exe), *args], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("OK"), r.stdout + r.stderr


def test_kernels_equal_header(checker):
    run(checker)


@pytest.mark.slow
def test_kernels_equal_header_full(checker):
    run(checker, "full")
