"""winit._core._core: the Cython layer (raw Philox, fills of caller-owned buffers)."""
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

DIST_BITS: Final[int]
DIST_UNIFORM: Final[int]
DIST_NORMAL: Final[int]
DIST_TRUNCNORM: Final[int]
DIST_POLAR: Final[int]
DT_FLOAT32: Final[int]
DT_FLOAT64: Final[int]
DT_FLOAT16: Final[int]
DT_BFLOAT16: Final[int]
DT_UINT32: Final[int]
SIMD_LEVELS: Final[tuple[str, str, str]]
KERNELS: Final[tuple[tuple[str, int, int, int, int, int], ...]]

class Fill:
    """One kernel of winit/kernels.h with its parameters packed."""
    kernel: Final[int]
    dist: Final[int]
    dtype: Final[int]
    epb: Final[int]
    itemsize: Final[int]
    name: Final[str]
    def __init__(self, dist: int, dtype_code: int, params: tuple[Any, ...]) -> None: ...
    @property
    def param_bytes(self) -> bytes: ...
    def run(self, out: NDArray[Any], key: Sequence[int], stream: int,
            row_start: ArrayLike | None = None, start: int = 0,
            nthreads: int = 0) -> NDArray[Any]: ...

def philox4x32(counter: ArrayLike, key: ArrayLike, rounds: int = 10) -> NDArray[np.uint32]:
    """Philox4x32-R of ``counter`` (uint32 ``(..., 4)``) under ``key`` (uint32
    ``(..., 2)``), broadcast together; returns uint32 ``(..., 4)``."""

def _as_words(x: ArrayLike, n: int, name: str) -> NDArray[np.uint32]: ...
def tn_setup(a: float, b: float, loc: float, scale: float, lo: float, hi: float,
             f64: bool) -> dict[str, Any]: ...
def fill_constant(out: NDArray[Any], value: bytes, nthreads: int = 0) -> NDArray[Any]: ...
def kth_pairs(keys: NDArray[np.uint32], k: int, nthreads: int = 0) -> NDArray[np.uint64]: ...
def sparse_apply(out: NDArray[Any], keys: NDArray[np.uint32], q0: int, thr: NDArray[np.uint64],
                 nthreads: int = 0) -> NDArray[Any]: ...
def fill(out: NDArray[Any], dist: int, dtype_code: int, key: Sequence[int], stream: int,
         params: tuple[Any, ...], row_start: ArrayLike, row_len: int,
         nthreads: int = 0) -> NDArray[Any]: ...
def set_num_threads(n: int) -> None: ...
def get_num_threads() -> int: ...
def max_threads() -> int: ...
def simd_level() -> str: ...
def simd_available() -> tuple[str, ...]: ...
def set_simd_level(level: str) -> str: ...
def _f16_mismatches(level: str, start: int, count: int) -> int | None: ...
def _transform(name: str, words_lo: ArrayLike, words_hi: ArrayLike | None = None) -> NDArray[Any]: ...
