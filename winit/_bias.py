"""``create_bias``: a layer's bias from its weights (Flux's ``create_bias``)."""
from __future__ import annotations

from typing import Any

import numpy as np

from . import _validate as V

__all__ = ["create_bias"]


def _family(x: Any) -> str:
    """numpy, torch, jax or keras, from the type's module (nothing is imported to ask)."""
    if isinstance(x, np.ndarray):
        return "numpy"
    top = type(x).__module__.split(".")[0]
    return {"torch": "torch", "jax": "jax", "jaxlib": "jax", "keras": "keras"}.get(top, "")


def _zeros(weights: Any, shape: tuple[int, ...]) -> Any:
    fam = _family(weights)
    if fam == "torch":
        import torch
        return torch.zeros(shape, dtype=weights.dtype, device=weights.device)
    if fam == "jax":
        import jax.numpy as jnp
        return jnp.zeros(shape, weights.dtype)
    if fam == "keras":  # a keras.Variable (any backend): a tensor of the backend
        import keras
        return keras.ops.zeros(shape, dtype=weights.dtype)
    return np.zeros(shape, np.asarray(weights).dtype if fam != "numpy" else weights.dtype)


def create_bias(weights: Any, bias: Any, *shape: Any) -> Any:
    """A layer's bias, as Flux's ``create_bias(weights, bias, dims...)``.

    - ``bias=True``: zeros of ``shape`` in the weights' dtype and array type (numpy; a
      torch tensor on the weights' device; a JAX array; a Keras backend tensor for a
      ``keras.Variable``).
    - ``bias=False``: None (Flux returns ``false``: no bias).
    - an array: returned as it is after checking that its shape is ``shape`` and its dtype
      the weights' (Flux converts a different element type; winit refuses it, naming
      the conversion, so no precision changes silently).

    ``shape`` is given as ints (``create_bias(w, True, 64)``, Flux's ``dims...``) or as
    one tuple.

    Examples:
        >>> w = winit.glorot_uniform((128, 64), rng=0)
        >>> winit.create_bias(w, True, 64).shape, winit.create_bias(w, True, 64).dtype
        ((64,), dtype('float32'))
        >>> winit.create_bias(w, False, 64) is None
        True
    """
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    dims = V.shape(shape)
    if not hasattr(weights, "shape") or not hasattr(weights, "dtype"):
        raise TypeError("Argument `weights` must be an array or tensor (numpy, torch, JAX or "
                        f"Keras). Received: weights of type {type(weights).__name__}")
    if bias is True:
        return _zeros(weights, dims)
    if bias is False or bias is None:
        return None
    if not hasattr(bias, "shape") or not hasattr(bias, "dtype"):
        raise TypeError("Argument `bias` must be True, False or an array. Received: bias of "
                        f"type {type(bias).__name__}")
    if tuple(bias.shape) != dims:
        raise ValueError(f"Argument `bias` must have shape {dims}. Received: bias of shape "
                         f"{tuple(bias.shape)}")
    if str(bias.dtype) != str(weights.dtype):
        raise TypeError(f"Argument `bias` must have the weights' dtype {weights.dtype}. "
                        f"Received: bias of dtype {bias.dtype}; convert it first, e.g. "
                        f"bias.astype(weights.dtype) (numpy, JAX) or bias.to(weights.dtype) "
                        "(torch)")
    return bias
