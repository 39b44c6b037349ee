"""Declares the C extensions; all metadata lives in pyproject.toml."""
import os
import sys

import numpy as np
from setuptools import Extension, setup
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
CFLAGS += os.environ.get("WINIT_EXTRA_CFLAGS", "").split()
LDFLAGS += os.environ.get("WINIT_EXTRA_LDFLAGS", "").split()


def ext(name, sources):
    return Extension(name, sources, include_dirs=INCLUDE, extra_compile_args=CFLAGS,
                     extra_link_args=LDFLAGS,
                     define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")])


setup(ext_modules=cythonize(
    [
        ext("winit._core._core", [f"{CORE}/_core.pyx", f"{CORE}/fill.c"]),
        ext("winit._core._mathcheck", [f"{CORE}/_mathcheck.pyx"]),
    ],
    compiler_directives={"language_level": 3},
))
