"""Declares the C extensions; all metadata lives in pyproject.toml."""
import importlib.util
import os
import sys
import sysconfig

import numpy as np
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from Cython.Build import cythonize

CORE = "winit/_core"
INCLUDE = [f"{CORE}/include", CORE, np.get_include()]

if sys.platform == "win32":
    CFLAGS = ["/O2", "/fp:precise", "/openmp"]
    LDFLAGS = []
else:
    # -ffp-contract=off: no implicit fma, so the bits equal the GPU build.
    CFLAGS = ["-O3", "-ffp-contract=off", "-fno-math-errno",
              "-fno-trapping-math", "-fopenmp"]
    LDFLAGS = ["-fopenmp"]
    if "clang" not in (os.environ.get("CC") or sysconfig.get_config_var("CC") or ""):
        # gcc: unroll the header's 4-element block loops (truncated normal's are large),
        # so the block fills vectorise over blocks (fill_blocks.h)
        CFLAGS += ["--param=max-completely-peeled-insns=1000", "--param=max-peel-branches=128"]
CFLAGS += os.environ.get("WINIT_EXTRA_CFLAGS", "").split()
LDFLAGS += os.environ.get("WINIT_EXTRA_LDFLAGS", "").split()


# The SIMD levels (simd_*.c) compile the same block fills for their ISA with
# per-file target pragmas and are chosen at run time: no -march flag here.
FILL = [f"{CORE}/fill.c", f"{CORE}/simd_portable.c", f"{CORE}/simd_avx2.c", f"{CORE}/simd_avx512.c",
        f"{CORE}/select.c"]
DEPENDS = [f"{CORE}/{h}" for h in ("fill.h", "select.h", "fill_blocks.h", "simd_level.h",
                                     "simd_philox.h", "simd_avx512_kernels.h")] + [
    f"{CORE}/include/winit/{h}.h" for h in ("common", "philox", "transforms", "mathfn", "element",
                                             "kernels")]


def ext(name, sources):
    return Extension(name, sources, include_dirs=INCLUDE, extra_compile_args=CFLAGS, depends=DEPENDS,
                     extra_link_args=LDFLAGS,
                     define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")])


# ---- CUDA kernels (the GPU path, docs/gpu.md): after the extensions, put the kernel
# source and -- when nvcc is found -- its fatbin into winit/_kernels/ (kernels/build_fatbin.py).
class BuildExtWithKernels(build_ext):
    def run(self):
        super().run()
        here = os.path.dirname(os.path.abspath(__file__))
        spec = importlib.util.spec_from_file_location(
            "winit_build_fatbin", os.path.join(here, "kernels", "build_fatbin.py"))
        kernels = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(kernels)
        kernels.build(os.path.join(here if self.inplace else self.build_lib, "winit", "_kernels"))
# ---- end CUDA kernels


setup(cmdclass={"build_ext": BuildExtWithKernels}, ext_modules=cythonize(
    [
        ext("winit._core._core", [f"{CORE}/_core.pyx", *FILL]),
        ext("winit._core._mathcheck", [f"{CORE}/_mathcheck.pyx"]),
    ],
    compiler_directives={"language_level": 3},
))
