# cython: language_level=3
"""winit._core._core -- the Cython layer: raw Philox, and fills of caller-owned
numpy buffers under ``nogil``. Validation of user input happens in Python
(winit._api); this layer checks only what would corrupt memory."""
import numpy as np
cimport cython
cimport numpy as cnp
from libc.stdint cimport uint16_t, uint32_t, uint64_t

cnp.import_array()

DIST_BITS = WINIT_DIST_BITS
DIST_UNIFORM = WINIT_DIST_UNIFORM
DIST_NORMAL = WINIT_DIST_NORMAL
DIST_TRUNCNORM = WINIT_DIST_TRUNCNORM
DIST_POLAR = WINIT_DIST_POLAR
DT_FLOAT32 = WINIT_DT_FLOAT32
DT_FLOAT64 = WINIT_DT_FLOAT64
DT_FLOAT16 = WINIT_DT_FLOAT16
DT_BFLOAT16 = WINIT_DT_BFLOAT16
DT_UINT32 = WINIT_DT_UINT32
SIMD_LEVELS = ("portable", "avx2", "avx512")


@cython.boundscheck(False)
@cython.wraparound(False)
def philox4x32(counter, key, int rounds=10):
    """Philox4x32-R of ``counter`` (uint32 ``(..., 4)``) under ``key`` (uint32
    ``(..., 2)``), broadcast together; returns uint32 ``(..., 4)``."""
    if not 1 <= rounds <= 16:
        raise ValueError(f"Argument `rounds` must be in [1, 16]. Received: rounds={rounds}")
    c = _as_words(counter, 4, "counter")
    k = _as_words(key, 2, "key")
    try:
        shape = np.broadcast_shapes(c.shape[:-1], k.shape[:-1])
    except ValueError:
        raise ValueError(f"Arguments `counter` {c.shape} and `key` {k.shape} do not broadcast "
                         f"(counter needs (..., 4), key (..., 2))") from None
    cdef cnp.ndarray[uint32_t, ndim=2] cc = np.ascontiguousarray(
        np.broadcast_to(c, shape + (4,)).reshape(-1, 4))
    cdef cnp.ndarray[uint32_t, ndim=2] kk = np.ascontiguousarray(
        np.broadcast_to(k, shape + (2,)).reshape(-1, 2))
    cdef cnp.ndarray[uint32_t, ndim=2] out = np.empty_like(cc)
    cdef Py_ssize_t i, n = cc.shape[0]
    cdef winit_u32x4 ci, r
    cdef winit_u32x2 ki
    cdef unsigned R = rounds
    with nogil:
        for i in range(n):
            ci.v[0] = cc[i, 0]; ci.v[1] = cc[i, 1]; ci.v[2] = cc[i, 2]; ci.v[3] = cc[i, 3]
            ki.v[0] = kk[i, 0]; ki.v[1] = kk[i, 1]
            r = winit_philox4x32_R(R, ci, ki)
            out[i, 0] = r.v[0]; out[i, 1] = r.v[1]; out[i, 2] = r.v[2]; out[i, 3] = r.v[3]
    return out.reshape(shape + (4,))


def _as_words(x, int n, str name):
    a = np.asarray(x)
    if a.dtype.kind not in "ui" and not (a.dtype == object or a.size == 0):
        raise TypeError(f"Argument `{name}` must hold unsigned 32-bit integers. "
                        f"Received dtype {a.dtype}")
    if a.ndim == 0 or a.shape[-1] != n:
        raise ValueError(f"Argument `{name}` must have shape (..., {n}). Received shape {a.shape}")
    if a.size and (np.any(a < 0) or np.any(a > 0xFFFFFFFF)):
        raise ValueError(f"Argument `{name}` must hold values in [0, 2**32). Received {x!r}")
    return a.astype(np.uint32)


def tn_setup(double a, double b, double loc, double scale, double lo, double hi, bint f64):
    """Truncated-normal constants exactly as the fill uses them (for the GPU path and
    tests): dict of loc, scale, lo, hi, pa, qb, d, lb, r, omr (Python floats holding
    float32 or float64 values) and mode; float32 adds ``wide``, the float64 constants
    its WINIT_TN_WIDE mode uses."""
    cdef winit_tn_f32 t
    if f64:
        return _tn64(winit_tn_setup_f64(a, b, loc, scale, lo, hi))
    t = winit_tn_setup_f32(a, b, loc, scale, lo, hi)
    return dict(loc=t.loc, scale=t.scale, lo=t.lo, hi=t.hi, pa=t.pa, qb=t.qb, d=t.d,
                lb=t.lb, r=t.r, omr=t.omr, mode=t.mode, wide=_tn64(t.wide))


cdef dict _tn64(winit_tn_f64 u):
    return dict(loc=u.loc, scale=u.scale, lo=u.lo, hi=u.hi, pa=u.pa, qb=u.qb, d=u.d,
                lb=u.lb, r=u.r, omr=u.omr, mode=u.mode)


def fill(cnp.ndarray out, int dist, int dtype_code, key, uint64_t stream, tuple params,
         row_start, size_t row_len, int nthreads=0):
    """Fill ``out`` (C-contiguous, writeable, nrows*row_len elements of the dtype's
    width) with elements of ``dist``: run r = elements row_start[r] .. + row_len of
    stream ``stream`` under Philox key ``key`` (k0, k1).

    params: uniform/normal (loc, scale); truncated normal (a, b, loc, scale, lo, hi)
    with a, b standardised; polar (scale, c, mode) (element.h); bits ()."""
    cdef winit_fill_spec s
    if not winit_fill_supported(dist, dtype_code):
        raise ValueError(f"unsupported (dist, dtype) = ({dist}, {dtype_code})")
    cdef cnp.ndarray[uint64_t, ndim=1] rs = np.ascontiguousarray(row_start, dtype=np.uint64)
    cdef size_t nrows = rs.shape[0]
    cdef size_t esz = 8 if dtype_code == WINIT_DT_FLOAT64 else (
        2 if dtype_code in (WINIT_DT_FLOAT16, WINIT_DT_BFLOAT16) else 4)
    if not out.flags.c_contiguous or not out.flags.writeable:
        raise ValueError("`out` must be a writeable C-contiguous array")
    if <size_t>out.nbytes != nrows * row_len * esz or <size_t>out.itemsize != esz:
        raise ValueError(f"`out` holds {out.nbytes} bytes of itemsize {out.itemsize}; the fill "
                         f"needs {nrows * row_len} elements of {esz} bytes")
    s.k0 = <uint32_t>key[0]
    s.k1 = <uint32_t>key[1]
    s.stream = stream
    s.dist = dist
    s.dtype = dtype_code
    if dist == WINIT_DIST_UNIFORM or dist == WINIT_DIST_NORMAL:
        loc, scale = params
        s.af.loc = <float>loc
        s.af.scale = <float>scale
        s.ad.loc = loc
        s.ad.scale = scale
    elif dist == WINIT_DIST_TRUNCNORM:
        a, b, loc, scale, lo, hi = params
        if dtype_code == WINIT_DT_FLOAT64:
            s.td = winit_tn_setup_f64(a, b, loc, scale, lo, hi)
        else:
            s.tf = winit_tn_setup_f32(a, b, loc, scale, lo, hi)
    elif dist == WINIT_DIST_POLAR:
        scale, c, mode = params
        s.pf.scale = <float>scale
        s.pf.c = <float>c
        s.pf.mode = mode
        s.pd.scale = scale
        s.pd.c = c
        s.pd.mode = mode
    # numpy allows an array misaligned for its element type (a view of a byte buffer at
    # an odd offset); C may not store a float there (UB), so fill an aligned array and
    # let numpy copy the bytes over
    cdef cnp.ndarray target = out
    if (<size_t>cnp.PyArray_DATA(out)) % esz:
        target = np.empty_like(out, order="C")
    cdef void *ptr = cnp.PyArray_DATA(target)
    cdef const uint64_t *starts = NULL
    if nrows:
        starts = &rs[0]
    with nogil:
        winit_fill_region(&s, ptr, starts, nrows, row_len, nthreads)
    if target is not out:
        out[...] = target
    return out


def set_num_threads(int n):
    winit_set_num_threads(n)


def get_num_threads():
    return winit_get_num_threads()


def simd_level():
    return SIMD_LEVELS[winit_simd_level()]


def simd_available():
    return tuple(name for i, name in enumerate(SIMD_LEVELS) if winit_simd_available(i))


def set_simd_level(level):
    """Cap the SIMD level ('portable', 'avx2', 'avx512'): the level in use becomes the
    best one available up to ``level``, and is returned. Every level gives the same bits."""
    if level not in SIMD_LEVELS:
        raise ValueError(f"SIMD level must be one of {SIMD_LEVELS}. Received: {level!r}")
    return SIMD_LEVELS[winit_set_simd_level(SIMD_LEVELS.index(level))]


def _f16_mismatches(level, uint32_t start, uint32_t count):
    """Test hook: how many float32 bit patterns start .. start+count-1 (mod 2**32) the
    float16 conversion of SIMD level ``level`` maps differently from the header's
    (None: level not available here)."""
    cdef int lv = SIMD_LEVELS.index(level)
    cdef long long r
    with nogil:
        r = winit_f16_mismatches(lv, start, count)
    return None if r < 0 else r


@cython.boundscheck(False)
@cython.wraparound(False)
def _transform(str name, words_lo, words_hi=None):
    """Test hook: apply one header transform to arrays of words (or float32 values for
    'f16'/'bf16', returned as uint16 bits)."""
    cdef Py_ssize_t i, n
    cdef cnp.ndarray[uint32_t, ndim=1] lo, hi
    cdef cnp.ndarray[float, ndim=1] xf, of
    cdef cnp.ndarray[double, ndim=1] od
    cdef cnp.ndarray[uint16_t, ndim=1] oh
    if name in ("f16", "bf16"):
        xf = np.ascontiguousarray(words_lo, dtype=np.float32).reshape(-1)
        n = xf.shape[0]
        oh = np.empty(n, np.uint16)
        for i in range(n):
            oh[i] = winit_f32_to_f16(xf[i]) if name == "f16" else winit_f32_to_bf16(xf[i])
        return oh
    lo = np.ascontiguousarray(words_lo, dtype=np.uint32).reshape(-1)
    n = lo.shape[0]
    if name.endswith("f32"):
        of = np.empty(n, np.float32)
        for i in range(n):
            if name == "co_f32":
                of[i] = winit_u01_co_f32(lo[i])
            elif name == "oc_f32":
                of[i] = winit_u01_oc_f32(lo[i])
            elif name == "oo_f32":
                of[i] = winit_u01_oo_f32(lo[i])
            else:
                raise ValueError(name)
        return of
    hi = np.ascontiguousarray(words_hi, dtype=np.uint32).reshape(-1)
    od = np.empty(n, np.float64)
    for i in range(n):
        if name == "co_f64":
            od[i] = winit_u01_co_f64(lo[i], hi[i])
        elif name == "oc_f64":
            od[i] = winit_u01_oc_f64(lo[i], hi[i])
        elif name == "oo_f64":
            od[i] = winit_u01_oo_f64(lo[i], hi[i])
        else:
            raise ValueError(name)
    return od
