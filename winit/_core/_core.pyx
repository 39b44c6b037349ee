# cython: language_level=3
"""winit._core._core -- the Cython layer: raw Philox, and fills of caller-owned
numpy buffers under ``nogil``. Validation of user input happens in Python
(winit._api); this layer checks only what would corrupt memory."""
import numpy as np
cimport cython
cimport numpy as cnp
from libc.stdint cimport uint16_t, uint32_t, uint64_t, int64_t
from libc.string cimport memset
from cpython.exc cimport PyErr_CheckSignals

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


KERNELS = tuple((winit_kernel_infos[i].name.decode(), winit_kernel_infos[i].dist,
                 winit_kernel_infos[i].dtype, winit_kernel_infos[i].epb,
                 winit_kernel_infos[i].itemsize, winit_kernel_infos[i].param_size)
                for i in range(WINIT_N_KERNELS))
"""The kernels of winit/kernels.h: (name, dist, dtype code, elements per block, element
bytes, parameter struct bytes), in the list's order."""

# elements per fill call between checks for signals (Ctrl-C), per thread
cdef size_t _SIGNAL_CHUNK = 1 << 22


cdef class Fill:
    """One kernel of winit/kernels.h with its parameters packed -- THE place parameters
    are packed, for the CPU and the GPU alike.

    ``Fill(dist, dtype_code, params)``: params are (loc, scale) for normal, (loc, scale,
    lo, hi) for uniform (lo, hi: its clamp in the output dtype; omitted: none),
    (a, b, loc, scale, lo, hi) for the truncated normal (a, b standardised bounds), (scale,
    c, mode) for polar (element.h), () for raw words. ``param_bytes`` is the parameter
    struct the GPU kernel ``winit_k_<name>`` takes by value; ``run`` fills on the CPU.
    Immutable: one Fill may serve many calls and threads at once."""
    cdef winit_fill_spec s
    cdef readonly int kernel, dist, dtype, epb, itemsize
    cdef readonly str name

    def __cinit__(self, int dist, int dtype_code, tuple params):
        cdef int k = winit_kernel_of(dist, dtype_code)
        if k < 0:
            raise ValueError(f"unsupported (dist, dtype) = ({dist}, {dtype_code})")
        memset(&self.s, 0, sizeof(self.s))
        self.kernel, self.dist, self.dtype = k, dist, dtype_code
        self.epb = winit_kernel_infos[k].epb
        self.itemsize = winit_kernel_infos[k].itemsize
        self.name = winit_kernel_infos[k].name.decode()
        self.s.dist, self.s.dtype = dist, dtype_code
        if dist == WINIT_DIST_UNIFORM:
            # (loc, scale) or (loc, scale, lo, hi): lo, hi clamp in the output dtype
            loc, scale, lo, hi = params if len(params) == 4 else (*params, -np.inf, np.inf)
            self.s.uf.loc, self.s.uf.scale = <float>loc, <float>scale
            self.s.uf.lo, self.s.uf.hi = <float>lo, <float>hi
            self.s.ud.loc, self.s.ud.scale, self.s.ud.lo, self.s.ud.hi = loc, scale, lo, hi
        elif dist == WINIT_DIST_NORMAL:
            loc, scale = params
            self.s.af.loc, self.s.af.scale = <float>loc, <float>scale
            self.s.ad.loc, self.s.ad.scale = loc, scale
        elif dist == WINIT_DIST_TRUNCNORM:
            a, b, loc, scale, lo, hi = params
            if dtype_code == WINIT_DT_FLOAT64:
                self.s.td = winit_tn_setup_f64(a, b, loc, scale, lo, hi)
            else:
                self.s.tf = winit_tn_setup_f32(a, b, loc, scale, lo, hi)
        elif dist == WINIT_DIST_POLAR:
            scale, c, mode = params
            self.s.pf.scale, self.s.pf.c, self.s.pf.mode = <float>scale, <float>c, mode
            self.s.pd.scale, self.s.pd.c, self.s.pd.mode = scale, c, mode
        elif params:
            raise ValueError(f"raw words take no parameters. Received: {params!r}")

    @property
    def param_bytes(self):
        """The kernel's parameter struct (its C layout: the GPU kernel's argument)."""
        cdef const winit_kernel_info *k = &winit_kernel_infos[self.kernel]
        return (<char *>&self.s)[k.param_offset:k.param_offset + k.param_size]

    def __repr__(self):
        return f"winit._core.Fill({self.name})"

    def run(self, cnp.ndarray out, key, uint64_t stream, full=None, origin=None,
            row_start=None, int nthreads=0):
        """Fill ``out`` (any writeable array of this kernel's element size, any strides)
        with elements of the stream ``stream`` under the Philox key ``key`` (k0, k1).

        ``out`` is the block of a C-order tensor of shape ``full`` (default: out's shape)
        whose first element is at index ``origin`` (default: zeros): element idx of
        ``out`` is element ``origin + idx`` of the tensor, i.e. its flat C index of the
        stream. Or ``row_start`` (uint64, one per row of ``out``, its last axis a row): the
        stream index of each row's first element. Memory beyond ``out`` is O(ndim).
        Checks for signals (Ctrl-C) between chunks."""
        cdef winit_fill_spec s = self.s
        s.k0 = <uint32_t>key[0]
        s.k1 = <uint32_t>key[1]
        s.stream = stream
        if not cnp.PyArray_ISWRITEABLE(out):
            raise ValueError("`out` must be writeable")
        if cnp.PyArray_ITEMSIZE(out) != self.itemsize:
            raise ValueError(f"`out` has itemsize {out.itemsize}; {self.name} stores "
                             f"{self.itemsize}-byte elements")
        cdef int nd = cnp.PyArray_NDIM(out)
        cdef size_t n = cnp.PyArray_SIZE(out)
        cdef winit_fill_layout L
        memset(&L, 0, sizeof(L))
        L.stride = 1
        if n == 0:
            return out
        contiguous = cnp.PyArray_IS_C_CONTIGUOUS(out)
        if full is None and origin is None and row_start is None and contiguous:
            L.len = n  # the whole tensor: one run
            _run(&s, cnp.PyArray_DATA(out), &L, nthreads)
            return out
        cdef Py_ssize_t isz = self.itemsize
        if not contiguous and ((<size_t>cnp.PyArray_DATA(out)) % isz or any(
                st % isz for st in (<object>out).strides)):
            # misaligned for its dtype (C may not store a float there): numpy copies
            tmp = np.empty_like(out, order="C")
            self.run(tmp, key, stream, full, origin, row_start, nthreads)
            out[...] = tmp
            return out
        shape = (<object>out).shape or (1,)
        full = shape if full is None else tuple(full) or (1,)
        origin = (0,) * len(full) if origin is None else tuple(origin) or (0,)
        if len(full) != len(shape) or len(origin) != len(shape):
            raise ValueError(f"`full` {full} and `origin` {origin} must have out's rank "
                             f"{len(shape)}")
        rows = np.array(shape[:-1], np.uint64)
        cstride = [1] * len(full)
        for d in range(len(full) - 2, -1, -1):
            cstride[d] = cstride[d + 1] * full[d + 1]
        step = np.array(cstride[:-1], np.uint64)
        start = sum(o * c for o, c in zip(origin, cstride))
        ostep = np.array([st // isz for st in (<object>out).strides[:-1]] if nd else [],
                         np.int64)
        cdef cnp.ndarray rs = None
        if row_start is not None:
            rs = np.ascontiguousarray(row_start, dtype=np.uint64).reshape(-1)
            if <size_t>rs.shape[0] != n // <size_t>shape[-1]:
                raise ValueError(f"`row_start` has {rs.shape[0]} entries for "
                                 f"{n // shape[-1]} rows")
            L.row_start = <const uint64_t *>cnp.PyArray_DATA(rs)
        L.start = start
        L.ndim = len(shape) - 1
        L.rows = <const uint64_t *>cnp.PyArray_DATA(rows)
        L.step = <const uint64_t *>cnp.PyArray_DATA(step)
        L.len = shape[-1]
        if not contiguous:
            L.out_step = <const int64_t *>cnp.PyArray_DATA(ostep)
            L.stride = (<object>out).strides[-1] // isz if nd else 1
        _run(&s, cnp.PyArray_DATA(out), &L, nthreads)
        return out


cdef int _run(const winit_fill_spec *s, void *out, const winit_fill_layout *L,
              int nthreads) except -1:
    """The C fill of a layout, in chunks: between them, Ctrl-C and other signals are
    handled (PyErr_CheckSignals raises, e.g. KeyboardInterrupt)."""
    cdef size_t total = winit_layout_rows(L) * L.len, e0 = 0, e1
    if total <= 4096:  # less work than releasing the GIL costs
        winit_fill_region(s, out, L, 0, total, 1)
        return 0
    cdef int nt = nthreads if nthreads > 0 else winit_get_num_threads()
    cdef size_t step = _SIGNAL_CHUNK * <size_t>(nt if nt > 0 else 1)
    while e0 < total:
        e1 = total if total - e0 < step else e0 + step
        with nogil:
            winit_fill_region(s, out, L, e0, e1, nthreads)
        e0 = e1
        if e0 < total:
            PyErr_CheckSignals()
    return 0


def fill_constant(cnp.ndarray out, bytes value, int nthreads=0):
    """Set every element of ``out`` (writeable, C-contiguous) to ``value``: the bytes of
    one element of its dtype. Threads as the fills; Ctrl-C is checked between chunks."""
    if not cnp.PyArray_ISWRITEABLE(out) or not cnp.PyArray_IS_C_CONTIGUOUS(out):
        raise ValueError("`out` must be a writeable C-contiguous array")
    cdef size_t esz = cnp.PyArray_ITEMSIZE(out), n = cnp.PyArray_SIZE(out), e0 = 0, m
    if <size_t>len(value) != esz:
        raise ValueError(f"`value` has {len(value)} bytes; `out` stores {esz}-byte elements")
    cdef const char *v = value
    cdef char *o = <char *>cnp.PyArray_DATA(out)
    cdef int nt = nthreads if nthreads > 0 else winit_get_num_threads()
    cdef size_t step = 4 * _SIGNAL_CHUNK * <size_t>(nt if nt > 0 else 1)
    while e0 < n:
        m = n - e0 if n - e0 < step else step
        with nogil:
            winit_fill_constant(o + e0 * esz, m, v, esz, nthreads)
        e0 += m
        if e0 < n:
            PyErr_CheckSignals()
    return out


cdef int _unit_view(cnp.ndarray a, str name, Py_ssize_t *su, Py_ssize_t *sq) except -1:
    """Element strides of a 2-D (units, positions) array."""
    if a.ndim != 2:
        raise ValueError(f"`{name}` must be 2-D (units, positions). Received shape {(<object>a).shape}")
    cdef Py_ssize_t esz = a.itemsize
    if a.strides[0] % esz or a.strides[1] % esz:
        raise ValueError(f"`{name}` must be aligned to its elements. Received strides {(<object>a).strides}")
    su[0] = a.strides[0] // esz
    sq[0] = a.strides[1] // esz
    return 0


def kth_pairs(cnp.ndarray keys, size_t k, int nthreads=0):
    """For each row (a unit) of ``keys`` (uint32 (units, positions), any strides): its
    k-th smallest (key, position) pair as ``key << 32 | position``, uint64 (units,)."""
    if keys.dtype != np.uint32:
        raise TypeError(f"`keys` must be uint32. Received {keys.dtype}")
    cdef Py_ssize_t su, sq
    _unit_view(keys, "keys", &su, &sq)
    cdef size_t n_units = keys.shape[0], n_pos = keys.shape[1]
    if not 1 <= k <= n_pos or n_pos >= (<size_t>1 << 32):
        raise ValueError(f"need 1 <= k <= positions < 2**32. Received k={k}, positions={n_pos}")
    cdef cnp.ndarray thr = np.empty(n_units, np.uint64)
    cdef int rc
    with nogil:
        rc = winit_kth_pairs(<const uint32_t *>cnp.PyArray_DATA(keys), n_units, n_pos, su, sq,
                             k, <uint64_t *>cnp.PyArray_DATA(thr), nthreads)
    if rc:
        raise MemoryError("kth_pairs: no memory for the candidate pairs")
    return thr


def sparse_apply(cnp.ndarray out, cnp.ndarray keys, uint64_t q0, cnp.ndarray thr,
                 int nthreads=0):
    """sparse_init's zeros: out (units, positions), a writeable float16/bfloat16/float32/
    float64/complex view, gets 0 where the pair (keys[u, q], q0 + q) <= thr[u], and the
    smallest subnormal of its sign where it held +-0 otherwise."""
    if keys.dtype != np.uint32 or thr.dtype != np.uint64 or not thr.flags.c_contiguous:
        raise TypeError("`keys` must be uint32 and `thr` contiguous uint64")
    if (<object>out).shape != (<object>keys).shape or thr.ndim != 1 \
            or thr.shape[0] != out.shape[0]:
        raise ValueError(f"shapes differ: out {(<object>out).shape}, keys {(<object>keys).shape}, "
                         f"thr {(<object>thr).shape}")
    if not out.flags.writeable:
        raise ValueError("`out` must be writeable")
    cdef int parts = 2 if out.dtype.kind == "c" else 1
    cdef size_t part = out.itemsize // parts
    if out.dtype.kind not in "fcV" or part not in (2, 4, 8):
        raise TypeError(f"`out` must hold 16-, 32- or 64-bit floats. Received {out.dtype}")
    cdef Py_ssize_t su, sq
    _unit_view(keys, "keys", &su, &sq)
    cdef Py_ssize_t ou = out.strides[0], oq = out.strides[1]
    with nogil:
        winit_sparse_apply(cnp.PyArray_DATA(out), ou, oq, part, parts,
                           <const uint32_t *>cnp.PyArray_DATA(keys), su, sq,
                           out.shape[0], out.shape[1], q0,
                           <const uint64_t *>cnp.PyArray_DATA(thr), nthreads)
    return out


def fill(cnp.ndarray out, int dist, int dtype_code, key, uint64_t stream, tuple params,
         row_start, size_t row_len, int nthreads=0):
    """``Fill(dist, dtype_code, params).run`` of a flat buffer: ``out`` (C-contiguous,
    writeable, nrows * row_len elements of the dtype's width) gets run r = elements
    row_start[r] .. + row_len of stream ``stream`` under Philox key ``key`` (k0, k1)."""
    f = Fill(dist, dtype_code, params)
    if not out.flags.c_contiguous or not out.flags.writeable:
        raise ValueError("`out` must be a writeable C-contiguous array")
    rs = np.ascontiguousarray(row_start, dtype=np.uint64).reshape(-1)
    if <size_t>out.size != <size_t>rs.shape[0] * row_len:
        raise ValueError(f"`out` holds {out.size} elements; the fill needs "
                         f"{rs.shape[0] * row_len}")
    if out.size:
        f.run(out.reshape(rs.shape[0], row_len), key, stream, row_start=rs, nthreads=nthreads)
    return out


def set_num_threads(n):
    """Threads for fills: 0 restores the default (``OMP_NUM_THREADS`` or the CPU
    count); at most ``max_threads()`` (4 per CPU, at most 1024). The bits of every
    result are the same whatever the count."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"Argument `n` must be an int. Received: n={n!r} of type "
                        f"{type(n).__name__}")
    cap = winit_max_threads()
    if not 0 <= n <= cap:
        raise ValueError(f"Argument `n` must be in [0, {cap}] (0: the default; at most 4 "
                         f"threads per CPU). Received: n={n}")
    winit_set_num_threads(n)


def get_num_threads():
    return winit_get_num_threads()


def max_threads():
    """The most threads a fill uses: 4 per CPU, at most 1024."""
    return winit_max_threads()


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
