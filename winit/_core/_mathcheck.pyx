# cython: language_level=3, boundscheck=False, wraparound=False
"""Vectorised wrappers over winit/mathfn.h, for accuracy tests only."""
import numpy as np
cimport numpy as cnp

cnp.import_array()

cdef extern from "winit/mathfn.h" nogil:
    float winit_logf(float x)
    double winit_log(double x)
    double winit_exp(double x)
    void winit_sincos2pif(float u, float *s, float *c)
    void winit_sincos2pi(double u, double *s, double *c)
    float winit_ndtri_lowerf(float p)
    double winit_ndtri_lower(double p)
    float winit_ndtri_logf(float lp)
    double winit_ndtri_log(double lp)
    double winit_ndtr(double x)
    double winit_log_ndtr(double x)


def _f32(x):
    return np.ascontiguousarray(x, dtype=np.float32).ravel()


def _f64(x):
    return np.ascontiguousarray(x, dtype=np.float64).ravel()


ctypedef float (*ffun)(float) noexcept nogil


cdef object _map32(ffun f, x):
    cdef const float[::1] a = _f32(x)
    out = np.empty(a.shape[0], dtype=np.float32)
    cdef float[::1] o = out
    cdef Py_ssize_t i
    with nogil:
        for i in range(a.shape[0]):
            o[i] = f(a[i])
    return out


def logf(x):
    """winit_logf elementwise (float32 in, float32 out)."""
    return _map32(winit_logf, x)


def ndtri_lowerf(x):
    """winit_ndtri_lowerf elementwise (float32)."""
    return _map32(winit_ndtri_lowerf, x)


def ndtri_logf(x):
    """winit_ndtri_logf elementwise (float32)."""
    return _map32(winit_ndtri_logf, x)


def sincos2pif(x):
    """(sin(2 pi u), cos(2 pi u)) by winit_sincos2pif (float32)."""
    cdef const float[::1] a = _f32(x)
    s_out = np.empty(a.shape[0], dtype=np.float32)
    c_out = np.empty(a.shape[0], dtype=np.float32)
    cdef float[::1] s = s_out
    cdef float[::1] c = c_out
    cdef Py_ssize_t i
    with nogil:
        for i in range(a.shape[0]):
            winit_sincos2pif(a[i], &s[i], &c[i])
    return s_out, c_out


def sincos2pi(x):
    """(sin(2 pi u), cos(2 pi u)) by winit_sincos2pi (float64)."""
    cdef const double[::1] a = _f64(x)
    s_out = np.empty(a.shape[0], dtype=np.float64)
    c_out = np.empty(a.shape[0], dtype=np.float64)
    cdef double[::1] s = s_out
    cdef double[::1] c = c_out
    cdef Py_ssize_t i
    with nogil:
        for i in range(a.shape[0]):
            winit_sincos2pi(a[i], &s[i], &c[i])
    return s_out, c_out


ctypedef double (*dfun)(double) noexcept nogil


cdef object _map64(dfun f, x):
    cdef const double[::1] a = _f64(x)
    out = np.empty(a.shape[0], dtype=np.float64)
    cdef double[::1] o = out
    cdef Py_ssize_t i
    with nogil:
        for i in range(a.shape[0]):
            o[i] = f(a[i])
    return out


def log(x):
    """winit_log elementwise (float64)."""
    return _map64(winit_log, x)


def exp(x):
    """winit_exp elementwise (float64)."""
    return _map64(winit_exp, x)


def ndtri_lower(x):
    """winit_ndtri_lower elementwise (float64)."""
    return _map64(winit_ndtri_lower, x)


def ndtri_log(x):
    """winit_ndtri_log elementwise (float64)."""
    return _map64(winit_ndtri_log, x)


def ndtr(x):
    """winit_ndtr elementwise (float64)."""
    return _map64(winit_ndtr, x)


def log_ndtr(x):
    """winit_log_ndtr elementwise (float64)."""
    return _map64(winit_log_ndtr, x)
