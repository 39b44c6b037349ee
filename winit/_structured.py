"""Structured schemes built from points and zero patterns: identity, dirac (a value at
listed points of a zero tensor) and sparse (a normal fill with exactly k zeros per
input unit). Each is ``build(plan) -> result`` over the plan engine's fills."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._core import _core
from ._fans import resolve_axes
from ._plan import PURPOSE_SPARSE, Plan, draw, finish, sample_host, set_constant
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
        set_constant(arr, 0)
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
    """ceil(sparsity * n), read as the user means it: 0.1 * 30 is 3, not 4 (a product
    within 1e-12 of a positive integer is that integer); any sparsity > 0 zeros at least
    one."""
    x = sparsity * n
    r = round(x)
    return int(r) if r >= 1 and abs(x - r) <= 1e-12 * x else math.ceil(x)


# keys held at once: a unit's whole positions axis up to this many, else in passes
_KEYS_AT_ONCE = 1 << 22


def _unit_keys(p: Plan, u_ax: int, units: tuple[int, int], pos: tuple[int, int],
               stream: int, buf: np.ndarray[Any, Any] | None = None) -> np.ndarray[Any, Any]:
    """The zero-position keys of units [u0, u1) at positions [q0, q1), as a (units,
    positions) view."""
    reg = [(0, 0), (0, 0)]
    reg[u_ax], reg[1 - u_ax] = units, pos
    keys = draw(p, _core.DIST_BITS, (), p.shape, np.uint32, stream, region=tuple(reg),
                purpose=PURPOSE_SPARSE, buf=buf)
    return keys if u_ax == 0 else keys.T


def _kth_pair(p: Plan, u_ax: int, unit: int, n_p: int, k: int, stream: int) -> tuple[int, int]:
    """The k-th smallest (key, position) pair of one unit, its keys seen in passes of
    _KEYS_AT_ONCE (memory bounded whatever the axis' length): a histogram of the keys'
    top 16 bits finds the bucket that holds it, and that bucket's pairs are sorted."""
    chunks = [(c, min(n_p, c + _KEYS_AT_ONCE)) for c in range(0, n_p, _KEYS_AT_ONCE)]
    hist = np.zeros(1 << 16, np.int64)
    for c in chunks:
        hist += np.bincount(_unit_keys(p, u_ax, (unit, unit + 1), c, stream)[0] >> 16,
                            minlength=1 << 16)
    cum = np.cumsum(hist)
    bucket = int(np.searchsorted(cum, k))
    below = int(cum[bucket - 1]) if bucket else 0
    keys, pos = [], []
    for c in chunks:
        kc = _unit_keys(p, u_ax, (unit, unit + 1), c, stream)[0]
        hit = np.nonzero((kc >> 16) == bucket)[0]
        keys.append(kc[hit])
        pos.append(hit + c[0])
    kk, pp = np.concatenate(keys), np.concatenate(pos)
    j = np.lexsort((pp, kk))[k - below - 1]
    return int(kk[j]), int(pp[j])


def b_sparse_init(p: Plan) -> Any:
    """Exactly k = n_zeros(sparsity, n) zeros per unit, at the positions of its k smallest
    (key, position) pairs; the other values N(0, std^2), never 0 in the output dtype (a
    value that rounds to 0 becomes the dtype's smallest subnormal of its sign). Memory:
    the region, plus keys for at most _KEYS_AT_ONCE positions at a time. The C core
    selects and writes in the keys' own layout (select.h): no transposed copy."""
    shape = p.shape
    if len(shape) != 2:
        raise ValueError(f"sparse_init needs a 2-D shape. Received: shape={shape}")
    u_ax, p_ax = single_axes(p)  # units along the input axis, positions along the output
    k = n_zeros(p.params["sparsity"], shape[p_ax])
    values = normal(0.0, p.params["std"], p.dtype)  # (its checks before the stream is taken)
    stream = p.stream()
    arr = sample_host(p, values, stream)
    if not (k and arr.size):
        _no_zero_values(arr)
        return finish(p, arr)
    n_p = shape[p_ax]
    reg = p.region or tuple((0, n) for n in shape)
    (u0, u1), (q0, q1) = reg[u_ax], reg[p_ax]
    units = arr if u_ax == 0 else arr.T  # (units, positions) views of the result
    if n_p <= _KEYS_AT_ONCE:
        step = max(1, _KEYS_AT_ONCE // n_p)
        buf = np.empty(min(step, u1 - u0) * n_p, np.uint32)  # the keys of each pass
        for a in range(u0, u1, step):
            b = min(u1, a + step)
            keys = _unit_keys(p, u_ax, (a, b), (0, n_p), stream, buf)
            _core.sparse_apply(units[a - u0:b - u0], keys[:, q0:q1], q0, _core.kth_pairs(keys, k))
        return finish(p, arr)
    _no_zero_values(arr)  # (the C write above does this too; the per-unit path does not)
    for unit in range(u0, u1):  # a long positions axis: a threshold pair per unit
        key_t, pos_t = _kth_pair(p, u_ax, unit, n_p, k, stream)
        for c0 in range(q0, q1, _KEYS_AT_ONCE):
            c1 = min(q1, c0 + _KEYS_AT_ONCE)
            kc = _unit_keys(p, u_ax, (unit, unit + 1), (c0, c1), stream)[0]
            at = np.arange(c0, c1)
            units[unit - u0, c0 - q0:c1 - q0][(kc < key_t) | ((kc == key_t) & (at <= pos_t))] = 0
    return finish(p, arr)


def _no_zero_values(arr: np.ndarray[Any, Any]) -> None:
    """Values that rounded to 0 become the smallest subnormal of their sign (so the
    only zeros are the chosen ones)."""
    if arr.dtype.kind == "c":
        parts = (arr.real, arr.imag)
        z = arr == 0
        if z.any():
            parts[0][z] = np.where(np.signbit(parts[0][z]), -1, 1) * _tiny(arr.real.dtype)
        return
    z = arr == 0
    if z.any():
        arr[z] = np.where(np.signbit(arr[z]), -1, 1) * _tiny(arr.dtype)


def _tiny(dt: np.dtype[Any]) -> Any:
    return np.array(1, {2: np.uint16, 4: np.uint32, 8: np.uint64}[dt.itemsize]).view(dt)
