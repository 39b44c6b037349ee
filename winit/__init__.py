"""winit: fast, bit-reproducible neural-network weight initialization."""
from __future__ import annotations

import os as _os

from ._core._core import philox4x32, get_num_threads, set_num_threads
from ._core import _core as _corelib
from ._generator import Generator, default_generator, seed, seeded
from ._fans import calculate_gain, compute_fans
from ._registry import ALIASES, SCHEMES, Param, Scheme, get_scheme
from ._initializer import Initializer, from_config
from ._bias import create_bias
from ._catalog import (constant, delta_orthogonal, dirac, glorot_normal, glorot_uniform,
                       identity_init, kaiming_normal, kaiming_uniform, lecun_normal,
                       lecun_uniform, normal, ones, orthogonal, sparse_init, truncated_normal,
                       uniform, variance_scaling, zeros)
from ._catalog import TYPED as _TYPED
from ._cuda import CudaUnavailableError
from ._config import config

__version__ = "0.1.0"

if _os.environ.get("WINIT_SIMD"):
    _corelib.set_simd_level(_os.environ["WINIT_SIMD"].strip().lower())

# aliases (xavier_uniform, he_normal, full, ...) and typed helpers (zeros32, randnC64, ...)
full = constant
xavier_uniform, xavier_normal = glorot_uniform, glorot_normal
he_uniform, he_normal = kaiming_uniform, kaiming_normal
globals().update(_TYPED)

__all__ = ["Generator", "seed", "seeded", "default_generator", "philox4x32", "uniform", "normal", "truncated_normal",
           "set_num_threads", "get_num_threads", "config", "CudaUnavailableError",
           # the scheme catalog (winit._catalog), fans
           *SCHEMES, *ALIASES, *_TYPED, "compute_fans", "calculate_gain",
           "Initializer", "from_config", "create_bias",
           "get_scheme", "SCHEMES", "ALIASES", "Scheme", "Param"]
