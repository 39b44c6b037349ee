"""Structured schemes built from points and zero patterns: identity, dirac (a value at
listed points of a zero tensor) and sparse (a normal fill with exactly k zeros per
input unit). Each is ``build(plan) -> result`` over the plan engine's fills."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._core import _core
from ._fans import resolve_axes
from ._plan import PURPOSE_SPARSE, Plan, draw, finish, sample_host
from ._sampling import constant, normal

__all__ = ["b_identity_init", "b_dirac", "b_sparse_init", "n_zeros", "single_axes"]


def single_axes(p: Plan) -> tuple[int, int]:
    """The input and output axis of a rank >= 2 shape, each a single axis."""
    ins, outs, _ = resolve_axes(p.shape, *p.axes)
    if len(ins) != 1 or len(outs) != 1:
        raise ValueError(f"{p.scheme.name} needs a single input and a single output axis. "
                         f"Received: in_axis={p.axes[0]!r}, out_axis={p.axes[1]!r}")
    return ins[0], outs[0]


def _scatter(p: Plan, coords: list[np.ndarray[Any, Any]], value: Any, name: str) -> Any:
    """Zeros with ``value`` at the points ``coords`` (one int array per axis, in the
    full tensor); only the points inside the region are written."""
    value = constant(value, p.dtype, name).value
    out = p.out if p.device == "cpu" else None
    arr = np.zeros(p.rshape, p.dtype) if out is None else out
    if out is not None:
        arr[...] = 0
    if coords and len(coords[0]):
        keep = np.ones(len(coords[0]), bool)
        reg = p.region or tuple((0, n) for n in p.shape)
        for x, (a, b) in zip(coords, reg):
            keep &= (x >= a) & (x < b)
        arr[tuple(x[keep] - a for x, (a, _) in zip(coords, reg))] = value
    return finish(p, arr)


def b_identity_init(p: Plan) -> Any:
    shape, shift = p.shape, p.params["shift"]
    shifts = (shift,) if isinstance(shift, int) else shift
    if len(shifts) > max(len(shape), 1):
        raise ValueError(f"Argument `shift` has {len(shifts)} entries for the {len(shape)}-D "
                         f"shape {shape}. Received: shift={shift!r}")
    coords: list[np.ndarray[Any, Any]] = []
    if len(shape) >= 2 and math.prod(shape) > 0:
        if len(shape) == 2:
            i_ax, o_ax = 0, 1  # eye(rows, cols): the same in any layout
        else:
            i_ax, o_ax = single_axes(p)
        n = min(shape[i_ax], shape[o_ax])
        diag = np.arange(n)
        coords = [diag if d in (i_ax, o_ax) else np.full(n, (shape[d] - 1) // 2)
                  for d in range(len(shape))]
        coords = [(x + s % shape[d]) % shape[d] if d < len(shifts) else x
                  for d, (x, s) in enumerate(zip(coords, shifts + (0,) * len(shape)))]
    return _scatter(p, coords, p.params["gain"], "gain")


def b_dirac(p: Plan) -> Any:
    shape, groups = p.shape, p.params["groups"]
    if len(shape) < 3:
        raise ValueError(f"dirac needs a tensor of rank >= 3 (a convolution kernel). "
                         f"Received: shape={shape}")
    i_ax, o_ax = single_axes(p)
    n_out, n_in = shape[o_ax], shape[i_ax]
    if n_out % groups:
        raise ValueError(f"Argument `groups` must divide the output dimension {n_out}. "
                         f"Received: groups={groups}")
    per = n_out // groups
    m = min(per, n_in)
    d = np.tile(np.arange(m), groups)
    g = np.repeat(np.arange(groups), m)
    coords = []
    for ax in range(len(shape)):
        if ax == o_ax:
            coords.append(g * per + d)
        elif ax == i_ax:
            coords.append(d)
        else:
            coords.append(np.full(len(d), shape[ax] // 2))  # torch's centre tap
    if not math.prod(shape):
        coords = []
    return _scatter(p, coords, 1, "value")


def n_zeros(sparsity: float, n: int) -> int:
    """ceil(sparsity * n), read as the user means it: 0.1 * 30 is 3, not 4."""
    x = sparsity * n
    r = round(x)
    return int(r) if abs(x - r) <= 1e-9 * max(1.0, x) else math.ceil(x)


def k_smallest(keys: np.ndarray[Any, Any], k: int) -> np.ndarray[Any, Any]:
    """Mask of the k smallest keys of each row, ties broken by index (the k smallest
    (key, index) pairs), 1 <= k <= row length."""
    thr = np.partition(keys, k - 1, axis=1)[:, k - 1:k]
    zero = keys < thr
    eq = keys == thr
    need = k - zero.sum(axis=1)  # >= 1: thr is the k-th smallest
    ties = np.nonzero(eq.sum(axis=1) > need)[0]  # rare: more equal keys than places
    zero |= eq
    for r in ties:
        zero[r] = (keys[r] < thr[r]) | (eq[r] & (np.cumsum(eq[r]) <= need[r]))
    return zero


def b_sparse_init(p: Plan) -> Any:
    shape = p.shape
    if len(shape) != 2:
        raise ValueError(f"sparse_init needs a 2-D shape. Received: shape={shape}")
    u_ax, p_ax = single_axes(p)  # units along the input axis, positions along the output
    k = n_zeros(p.params["sparsity"], shape[p_ax])
    values = normal(0.0, p.params["std"], p.dtype)  # (its checks before the stream is taken)
    stream = p.stream()
    arr = sample_host(p, values, stream)
    if k and arr.size:
        reg = p.region or tuple((0, n) for n in shape)
        (u0, u1), (q0, q1) = reg[u_ax], reg[p_ax]
        n_p = shape[p_ax]
        step = max(1, (1 << 22) // max(n_p, 1))
        for a in range(u0, u1, step):
            b = min(u1, a + step)
            kreg = [(0, shape[0]), (0, shape[1])]
            kreg[u_ax] = (a, b)
            keys = draw(p, _core.DIST_BITS, (), shape, np.uint32, stream, region=tuple(kreg),
                        purpose=PURPOSE_SPARSE)
            zero = k_smallest(keys if p_ax == 1 else keys.T, k)  # (units, positions)
            sel = [slice(None), slice(None)]
            sel[u_ax] = slice(a - u0, b - u0)
            arr[tuple(sel)][zero[:, q0:q1] if p_ax == 1 else zero[:, q0:q1].T] = 0
    return finish(p, arr)
