"""Kernel axes in winit.keras: winit's ``in_axis``/``out_axis``/``batch_axis`` (JAX
semantics) and Keras' ``input_axes``/``output_axes`` (what ``EinsumDense`` passes to
its VarianceScaling initializers)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._fans import DEFAULT_IN_AXIS, DEFAULT_OUT_AXIS, check_axis

# The axis arguments a Keras class takes (schemes that read fans/axes); `layout` is
# not one: Keras kernels are (..., in, out) on every backend.
AXIS_ARGS = (("in_axis", DEFAULT_IN_AXIS), ("out_axis", DEFAULT_OUT_AXIS), ("batch_axis", ()))
# The arguments the variance-scaling classes add, with Keras' names and semantics.
KERAS_AXIS_ARGS = (("input_axes", None), ("output_axes", None))


def _as_list(axes: int | tuple[int, ...]) -> list[int]:
    return [axes] if isinstance(axes, int) else list(axes)


def _check_keras_axes(given: dict[str, Any],
                      args: dict[str, Any]) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """Keras' ``input_axes``/``output_axes``: both None (the winit axis arguments decide)
    or both lists of ints; not together with explicit ``in_axis``/``out_axis``/``batch_axis``."""
    ins, outs = given.get("input_axes"), given.get("output_axes")
    if ins is None and outs is None:
        return None
    if ins is None or outs is None:
        raise ValueError("Arguments `input_axes` and `output_axes` go together (Keras uses "
                         "them only as a pair). Received: "
                         f"input_axes={ins!r}, output_axes={outs!r}")
    explicit = {k: args[k] for k, d in AXIS_ARGS if check_axis(args[k], k) != d}
    if explicit:
        raise ValueError("Give the kernel's axes either as `in_axis`/`out_axis`/`batch_axis` "
                         "(JAX semantics) or as `input_axes`/`output_axes` (Keras semantics), "
                         f"not both. Received: input_axes={ins!r}, output_axes={outs!r}, "
                         + ", ".join(f"{k}={v!r}" for k, v in explicit.items()))
    return _axes_tuple(ins, "input_axes"), _axes_tuple(outs, "output_axes")


def _axes_tuple(v: Any, name: str) -> tuple[int, ...]:
    items = [v] if isinstance(v, int) else v
    if isinstance(v, (bool, str, bytes)) or not isinstance(items, (list, tuple)) or not all(
            isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))
            for x in items):
        raise ValueError(f"Argument `{name}` must be a list of ints (the kernel's axes) or "
                         f"None. Received: {name}={v!r}")
    return tuple(int(x) for x in items)
