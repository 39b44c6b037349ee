"""Orthogonal schemes: Haar-distributed (semi-)orthogonal matrices by a Householder QR
of a standard normal matrix drawn from the call's stream, and the delta-orthogonal
convolution kernel built on them. Not shardable: the QR couples every element."""
from __future__ import annotations

import math
from typing import Any, cast

import numpy as np

from ._core import _core
from ._fans import resolve_out_axes
from ._plan import Plan, draw, finish
from ._sampling import largest
from ._structured import single_axes

__all__ = ["b_orthogonal", "b_delta_orthogonal", "haar"]


_WY_BLOCK = 256
_ROW_CHUNK = 256


def _householder(B: np.ndarray[Any, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Row j of B (k, l) holds, in B[j, j:], the column LAPACK's ?geqrf would meet at
    step j. Turn each into its Householder reflector exactly as ?larfg does (in
    place: B[j, j+1:] becomes v[1:]); returns (tau, the sign of R[j, j])."""
    k, l = B.shape
    cplx = B.dtype.kind == "c"
    j = np.arange(k)
    alpha = B[j, j].astype(np.complex128 if cplx else np.float64)
    xn2 = np.empty(k)
    for r0 in range(0, k, _WY_BLOCK):  # row r: |B[r, r+1:]|^2, beyond the block and within it
        r1 = min(k, r0 + _WY_BLOCK)
        rect, tri = B[r0:r1, r1:], np.triu(B[r0:r1, r0:r1], 1)
        parts = (rect.real, rect.imag, tri.real, tri.imag) if cplx else (rect, tri)
        xn2[r0:r1] = sum(np.einsum("ij,ij->i", t, t, dtype=np.float64) for t in parts)
    ar = alpha.real
    ai = alpha.imag if cplx else np.zeros(k)
    trivial = (xn2 == 0) & (ai == 0)  # H = I, R[j, j] = alpha
    beta = np.where(trivial, ar, -np.copysign(np.sqrt(ar * ar + ai * ai + xn2), ar))
    safe = np.where(trivial, 1.0, beta)
    tau = np.where(trivial, 0.0, (safe - alpha) / safe)
    scale = np.where(trivial, 0.0, 1.0 / np.where(trivial, 1.0, alpha - beta))
    scale = scale.astype(B.dtype)
    for r0 in range(0, k, _WY_BLOCK):
        r1 = min(k, r0 + _WY_BLOCK)
        B[r0:r1, r0 + 1:] *= scale[r0:r1, None]
    return tau.astype(B.dtype), np.where(beta < 0, -1.0, 1.0)


def _form_q(B: np.ndarray[Any, Any], tau: np.ndarray[Any, Any], d: np.ndarray[Any, Any],
            out: np.ndarray[Any, Any] | None = None) -> np.ndarray[Any, Any]:
    """Q = H_0 H_1 ... H_{k-1} diag(d) (l, k), F-order (Q^T: C-order, in ``out`` when
    given), from the reflectors v_j stored in the rows of B (k, l): v_j = (0, .., 0, 1,
    B[j, j+1:]) (LAPACK ?orgqr; d: the signs that make R's diagonal positive), blocked with the compact
    WY form H_j0..H_j1 = I - V T V^H so the work is matrix products (BLAS 3). The blocks
    go backwards, updating Q^T (C-order, so products stream rows); when block [j0, j1)
    comes, Q^T[j0:, j0:] is [[D1, 0], [0, Q22]] (its own rows are still the start's),
    so only Q22 meets V in a large product (a sixth fewer flops than a dense update)."""
    k, l = B.shape
    cplx = B.dtype.kind == "c"
    Qt = np.zeros((k, l), B.dtype) if out is None else out  # Q^T
    if out is not None:
        Qt[...] = 0
    Qt[np.arange(k), np.arange(k)] = d
    for j0 in range(((k - 1) // _WY_BLOCK) * _WY_BLOCK, -1, -_WY_BLOCK):
        j1 = min(k, j0 + _WY_BLOCK)
        nb = j1 - j0
        Vt = np.array(B[j0:j1, j0:])  # V^T (nb, l - j0): unit upper trapezoidal
        Vt[:, :nb][np.tril_indices(nb, -1)] = 0
        Vt[np.arange(nb), np.arange(nb)] = 1
        Vh = Vt.conj() if cplx else Vt  # V^H
        VhV = Vh @ Vt.T
        t = tau[j0:j1]
        T = _larft(VhV, t)
        # Q_s <- (I - V T V^H) Q_s, transposed: Qt_s <- Qt_s - (Qt_s conj(V)) (T^T V^T), with
        # Qt_s = [[D1, 0], [0, Q22]]: Qt_s conj(V) = [[D1 conj(V1)], [Q22 conj(V2)]]
        Z = T.T @ Vt  # (nb, l - j0)
        W = Qt[j1:, j1:] @ Vh[:, nb:].T  # (k - j1, nb)
        Qt[j0:j1, j0:] -= (Vh[:, :nb].T * d[j0:j1, None]) @ Z
        rest = Qt[j1:, j0:]
        for r0 in range(0, rest.shape[0], _ROW_CHUNK):  # the product stays in cache
            rest[r0:r0 + _ROW_CHUNK] -= W[r0:r0 + _ROW_CHUNK] @ Z
    return cast("np.ndarray[Any, Any]", Qt.T)


def _larft(VhV: np.ndarray[Any, Any], tau: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """T of the compact WY form H_0 .. H_{nb-1} = I - V T V^H (LAPACK ?larft, forward,
    columnwise) from V^H V and tau, by doubling: T = [[T1, -T1 (V1^H V2) T2], [0, T2]],
    every pair of a level in one batched product (nb padded to a power of two with
    tau = 0, whose reflectors are the identity)."""
    nb = tau.shape[0]
    n = 1 << max(0, (nb - 1).bit_length())
    T = np.zeros((n, n), VhV.dtype)
    T[np.arange(nb), np.arange(nb)] = tau
    G = np.zeros((n, n), VhV.dtype)
    G[:nb, :nb] = VhV
    s = 1
    while s < n:
        P = n // (2 * s)
        ar = np.arange(P)
        Tb, Gb = T.reshape(P, 2 * s, P, 2 * s), G.reshape(P, 2 * s, P, 2 * s)
        T1, T2 = Tb[ar, :s, ar, :s], Tb[ar, s:, ar, s:]  # (P, s, s) each
        Tb[ar, :s, ar, s:] = -(T1 @ Gb[ar, :s, ar, s:]) @ T2
        s *= 2
    return T[:nb, :nb]


def haar(p: Plan, m: int, n: int, wdt: np.dtype[Any], stream: int,
         out: np.ndarray[Any, Any] | None = None) -> np.ndarray[Any, Any]:
    """A C-order (m, n) matrix with orthonormal rows (m <= n) or columns (m > n), Haar
    distributed: the Q of the QR (R's diagonal made positive) of a standard normal
    (max, min) matrix A -- transposed when m <= n. ``out``: a C-contiguous (m, n) array
    of dtype wdt to build it in (m <= n only).

    A is never formed. Householder QR of a Gaussian matrix meets, at step j, a column
    that is again an independent standard normal vector (rotation invariance), so those
    vectors are drawn directly (rows of one normal fill) and only Q is formed -- the
    same distribution for half the flops (Stewart 1980). Explicitly, A = Q_raw R_raw
    with R_raw = the upper triangle of the drawn matrix (transposed), diagonal -> beta."""
    k, l = min(m, n), max(m, n)
    B = _std_normal_matrix(p, (k, l), wdt, stream)
    tau, d = _householder(B)
    Q = _form_q(B, tau, d.astype(wdt), out if m <= n else None)  # (l, k), F-order
    return Q.T if m <= n else np.ascontiguousarray(Q)


def _std_normal_matrix(p: Plan, shape: tuple[int, int], wdt: np.dtype[Any], stream: int) -> np.ndarray[Any, Any]:
    """Standard (complex) normal (k, l) in the working dtype, from stream ``stream``."""
    if wdt.kind == "c":
        f = np.dtype(np.float32) if wdt == np.complex64 else np.dtype(np.float64)
        return draw(p, _core.DIST_NORMAL, (0.0, math.sqrt(0.5)), (shape[0], 2 * shape[1]), f,
                    stream).view(wdt)
    return draw(p, _core.DIST_NORMAL, (0.0, 1.0), shape, wdt, stream)


def _work_dtype(dt: np.dtype[Any]) -> np.dtype[Any]:
    return dt if dt.itemsize >= 4 and dt.kind in "fc" else np.dtype(np.float32)


def _orthogonal_matrix(p: Plan, rows: int, cols: int, gain: float,
                       in_out: bool = False) -> np.ndarray[Any, Any]:
    """gain * a Haar (rows, cols) matrix; ``in_out``: built in p.out when it is that
    matrix's memory (C-contiguous, of the working dtype), so finish() copies nothing."""
    s = p.stream()
    wdt = _work_dtype(p.dtype)
    if rows * cols == 0:
        return np.zeros((rows, cols), p.dtype)
    o = p.out
    into = (in_out and rows <= cols and p.device == "cpu" and isinstance(o, np.ndarray)
            and o.dtype == wdt and o.flags.c_contiguous and o.flags.writeable)
    q = haar(p, rows, cols, wdt, s, o.reshape(rows, cols) if into else None)
    if gain != 1.0:
        q *= q.real.dtype.type(gain)
    return q if q.dtype == p.dtype else q.astype(p.dtype)


def _check_gain(p: Plan) -> None:
    """The entries are gain * q, |q| <= 1: gain must be finite in the dtype."""
    gain, big = p.params["gain"], largest(p.dtype)
    if gain > big:
        raise ValueError(f"Argument `gain`={gain!r} is beyond the largest finite "
                         f"{p.dtype} value {big:.7g}: the entries would round to infinity")


def b_orthogonal(p: Plan) -> Any:
    _check_gain(p)
    shape, gain = p.shape, p.params["gain"]
    if len(shape) < 2:
        raise ValueError(f"orthogonal needs a shape of rank >= 2 (a matrix). Received: "
                         f"shape={shape}")
    outs = resolve_out_axes(shape, *p.axes)
    if len(outs) != 1:
        raise ValueError(f"orthogonal needs a single output axis. Received: "
                         f"out_axis={p.axes[1]!r}")
    o = outs[0]
    n_out = shape[o]
    rest = math.prod(shape) // n_out if n_out else math.prod(shape[:o] + shape[o + 1:])
    if o == len(shape) - 1:
        w = _orthogonal_matrix(p, rest, n_out, gain, in_out=True).reshape(shape)
    elif o == 0:
        w = _orthogonal_matrix(p, n_out, rest, gain, in_out=True).reshape(shape)
    else:
        moved = shape[:o] + shape[o + 1:] + (n_out,)
        w = np.ascontiguousarray(np.moveaxis(
            _orthogonal_matrix(p, rest, n_out, gain).reshape(moved), -1, o))
    return finish(p, w)


def b_delta_orthogonal(p: Plan) -> Any:
    _check_gain(p)
    shape = p.shape
    if len(shape) not in (3, 4, 5):
        raise ValueError(f"delta_orthogonal needs a 3-D, 4-D or 5-D shape (a convolution "
                         f"kernel). Received: shape={shape}")
    i_ax, o_ax = single_axes(p)
    n_in, n_out = shape[i_ax], shape[o_ax]
    if n_out < n_in:
        raise ValueError(f"delta_orthogonal needs out >= in (fan_in <= fan_out). Received: "
                         f"shape={shape} with in={n_in} (axis {i_ax}), out={n_out} (axis {o_ax})")
    q = _orthogonal_matrix(p, n_in, n_out, p.params["gain"])  # (in, out), orthonormal rows
    w = np.zeros(shape, p.dtype)
    if w.size:
        idx: list[int | slice] = [(n - 1) // 2 for n in shape]  # JAX's centre tap
        idx[i_ax] = idx[o_ax] = slice(None)
        w[tuple(idx)] = q if i_ax < o_ax else q.T
    return finish(p, w)
