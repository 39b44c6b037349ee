"""Fans (which axes of a weight tensor are inputs, outputs, batch, receptive field)
and ``calculate_gain``. Every scheme that scales by a fan, or needs the input and
output axes (sparse_init, identity_init, dirac, delta_orthogonal, orthogonal),
resolves them here."""
from __future__ import annotations

import math
import operator
from typing import TYPE_CHECKING, Any
from collections.abc import Sequence

import numpy as np

if TYPE_CHECKING:
    from typing_extensions import TypeIs

__all__ = ["compute_fans", "fans_of", "calculate_gain", "resolve_axes", "LAYOUTS",
           "NONLINEARITIES"]

LAYOUTS = ("keras", "torch")
DEFAULT_IN_AXIS = -2
DEFAULT_OUT_AXIS = -1
TORCH_AXES = (1, 0)  # (in_axis, out_axis) of (out, in, *kernel)


def _is_int(v: Any) -> TypeIs[int]:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def check_axis(value: Any, name: str) -> int | tuple[int, ...]:
    """An int or a sequence of ints (normalised to a tuple); rank is checked later."""
    if _is_int(value):
        return operator.index(value)
    if isinstance(value, (tuple, list)) and all(_is_int(v) for v in value):
        return tuple(operator.index(v) for v in value)
    raise TypeError(f"Argument `{name}` must be an int or a tuple of ints. "
                    f"Received: {name}={value!r}")


def check_layout(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in LAYOUTS:
        raise ValueError(f"Argument `layout` must be None, 'keras' or 'torch'. "
                         f"Received: layout={value!r}")
    return value


def _norm_axes(axes: int | tuple[int, ...], ndim: int, name: str, shape: tuple[Any, ...]) -> tuple[int, ...]:
    axes = (axes,) if _is_int(axes) else tuple(axes)
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"Argument `{name}`={a} is out of range for the {ndim}-D shape "
                             f"{shape}. Received: {name}={axes if len(axes) != 1 else a!r}")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"Argument `{name}` repeats an axis. Received: {name}={axes!r}")
    return tuple(out)


def resolve_axes(shape: tuple[int, ...], in_axis: Any = DEFAULT_IN_AXIS,
                 out_axis: Any = DEFAULT_OUT_AXIS, batch_axis: Any = (),
                 layout: str | None = None) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """(in axes, out axes, batch axes) of a tensor of rank >= 2, as non-negative ints.

    ``layout="torch"`` means ``(out, in, *kernel)``; explicit ``in_axis``/``out_axis``
    (anything other than the defaults -2/-1) override the layout, as in JAX."""
    ndim = len(shape)
    in_axis = check_axis(in_axis, "in_axis")
    out_axis = check_axis(out_axis, "out_axis")
    batch_axis = check_axis(batch_axis, "batch_axis")
    layout = check_layout(layout)
    if layout == "torch" and in_axis == DEFAULT_IN_AXIS and out_axis == DEFAULT_OUT_AXIS:
        in_axis, out_axis = TORCH_AXES
    ins = _norm_axes(in_axis, ndim, "in_axis", shape)
    outs = _norm_axes(out_axis, ndim, "out_axis", shape)
    batch = _norm_axes(batch_axis, ndim, "batch_axis", shape)
    if set(ins) & set(outs) or set(ins) & set(batch) or set(outs) & set(batch):
        raise ValueError(f"Arguments `in_axis`, `out_axis` and `batch_axis` must name different "
                         f"axes. Received: in_axis={in_axis!r}, out_axis={out_axis!r}, "
                         f"batch_axis={batch_axis!r} for shape {shape}")
    return ins, outs, batch


def resolve_out_axes(shape: tuple[int, ...], in_axis: Any = DEFAULT_IN_AXIS,
                     out_axis: Any = DEFAULT_OUT_AXIS, batch_axis: Any = (),
                     layout: str | None = None) -> tuple[int, ...]:
    """The output axes alone (orthogonal's column axis), with the layout rule of
    ``resolve_axes``; the other axis arguments are type-checked only."""
    check_axis(in_axis, "in_axis"), check_axis(batch_axis, "batch_axis")
    out_axis = check_axis(out_axis, "out_axis")
    if check_layout(layout) == "torch" and in_axis == DEFAULT_IN_AXIS and \
            out_axis == DEFAULT_OUT_AXIS:
        out_axis = TORCH_AXES[1]
    return _norm_axes(out_axis, len(shape), "out_axis", shape)


def compute_fans(shape: Sequence[int], in_axis: int | Sequence[int] = DEFAULT_IN_AXIS,
                 out_axis: int | Sequence[int] = DEFAULT_OUT_AXIS,
                 batch_axis: int | Sequence[int] = (),
                 layout: str | None = None) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight tensor.

    Default layout is Keras/Flax ``(..., in, out)``: ``fan_in = shape[-2] * rf``,
    ``fan_out = shape[-1] * rf`` with ``rf`` the product of the other (receptive
    field) axes. ``layout="torch"`` reads ``(out, in, *kernel)``. ``in_axis``,
    ``out_axis`` and ``batch_axis`` (ints or tuples, JAX semantics) select any
    others; batch axes count in neither fan. As in Keras, a 0-D shape has fans
    (1, 1) and a 1-D shape ``(n,)`` has fans (n, n).

    Examples:
        >>> winit.compute_fans((3, 3, 16, 32))            # Keras Conv2D kernel
        (144, 288)
        >>> winit.compute_fans((32, 16, 3, 3), layout="torch")
        (144, 288)
    """
    from . import _validate as V
    shape = V.shape(shape)
    if len(shape) == 0:
        # still validate the axis arguments' types
        check_axis(in_axis, "in_axis"), check_axis(out_axis, "out_axis")
        check_axis(batch_axis, "batch_axis"), check_layout(layout)
        return 1, 1
    if len(shape) == 1:
        check_axis(in_axis, "in_axis"), check_axis(out_axis, "out_axis")
        check_axis(batch_axis, "batch_axis"), check_layout(layout)
        return shape[0], shape[0]
    ins, outs, batch = resolve_axes(shape, in_axis, out_axis, batch_axis, layout)
    used = set(ins) | set(outs) | set(batch)
    rf = math.prod(n for d, n in enumerate(shape) if d not in used)
    return math.prod(shape[d] for d in ins) * rf, math.prod(shape[d] for d in outs) * rf


def fans_of(shape: tuple[int, ...], axes: tuple[Any, Any, Any, str | None]) -> tuple[int, int]:
    """``compute_fans`` of a validated shape and axis arguments (the plan's), with the
    default Keras and torch layouts computed directly."""
    in_axis, out_axis, batch_axis, layout = axes
    if len(shape) >= 2 and in_axis == DEFAULT_IN_AXIS and out_axis == DEFAULT_OUT_AXIS and \
            batch_axis == ():
        rf = math.prod(shape[2:]) if layout == "torch" else math.prod(shape[:-2])
        if layout == "torch":
            return shape[1] * rf, shape[0] * rf
        return shape[-2] * rf, shape[-1] * rf
    return compute_fans(shape, in_axis, out_axis, batch_axis, layout)


NONLINEARITIES = ("linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d", "sigmoid", "tanh", "relu",
                  "leaky_relu", "selu")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (torch.nn.init's table).

    ================= ===================================
    nonlinearity      gain
    ================= ===================================
    linear / conv*    1
    identity          1
    sigmoid           1
    tanh              5/3
    relu              sqrt(2)
    leaky_relu        sqrt(2 / (1 + negative_slope**2)), ``param`` = negative_slope
                      (default 0.01)
    selu              3/4
    ================= ===================================

    Examples:
        >>> winit.calculate_gain("tanh")
        1.6666666666666667
        >>> round(winit.calculate_gain("leaky_relu", 0.2), 6)
        1.38675
    """
    if not isinstance(nonlinearity, str) or nonlinearity not in NONLINEARITIES:
        raise ValueError(f"Argument `nonlinearity` must be one of "
                         f"{', '.join(repr(n) for n in NONLINEARITIES)}. "
                         f"Received: nonlinearity={nonlinearity!r}")
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        else:
            from . import _validate as V
            slope = V.real(param, "param")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if param is not None:
        raise ValueError(f"Argument `param` is only used by nonlinearity='leaky_relu'. "
                         f"Received: nonlinearity={nonlinearity!r}, param={param!r}")
    return {"tanh": 5.0 / 3, "relu": math.sqrt(2.0), "selu": 0.75}.get(nonlinearity, 1.0)
