"""What the Keras facade does per backend: seeds (Keras' rule, the SeedGenerator
mapping, reading a state inside a trace) and backend tensors (the host values handed
to jax, torch or tensorflow without a copy)."""
from __future__ import annotations

from typing import Any

import keras
import numpy as np

from .._generator import Generator

# ------------------------------------------------------------------ seeds

def _check_seed(seed: Any) -> Any:
    """Keras' seed rule (RandomInitializer): None, a non-negative int, a SeedGenerator
    or its serialized config; anything else is a ValueError in Keras' words."""
    if seed is None:
        return None
    if isinstance(seed, dict):
        seed = keras.saving.deserialize_keras_object(seed)
    if isinstance(seed, keras.random.SeedGenerator):
        return seed
    if isinstance(seed, int) and not isinstance(seed, bool):
        if seed < 0:
            raise ValueError("`seed` argument should be an instance of "
                             "`keras.random.SeedGenerator()` or a non-negative integer. "
                             f"Received: seed={seed}")
        return seed
    raise ValueError("`seed` argument should be an instance of `keras.random.SeedGenerator()` "
                     f"or an integer. Received: seed={seed!r} of type {type(seed).__name__}")


def seed_to_generator(seed: Any) -> Generator:
    """The winit Generator of one initializer call (the documented seed mapping).

    - an int ``S`` -> ``winit.Generator(S)`` at stream 0: every call gives the bits of
      ``winit.<scheme>(shape, rng=S)``;
    - a ``keras.random.SeedGenerator``: ``next()`` returns its state ``[s, k]``
      (``s`` its seed, ``k`` the number of calls before this one) -> ``winit.Generator(s)``
      at stream ``k``: successive calls give the bits of successive calls of
      ``winit.<scheme>(shape, rng=winit.Generator(s))``. (Keras itself reads an int
      seed ``S`` as the state ``[S, 0]``; so does this mapping.)

    Inside a ``jax.jit`` trace (Keras initializes large sharded variables there) the
    state is read and advanced outside the trace, as in eager code; a state that is
    itself traced (a ``StatelessScope`` mapping it to a traced value) has no host value
    here: an initializer call handles that case with a host callback.
    """
    if isinstance(seed, keras.random.SeedGenerator):
        return state_to_generator(keras.ops.convert_to_numpy(draw_state(seed)))
    return Generator(seed)


def draw_state(seed: Any) -> Any:
    """``seed.next()`` (a SeedGenerator's state ``[s, k]``, advancing it), evaluated
    outside any trace the call is in: under ``jax.jit`` in
    ``jax.ensure_compile_time_eval()`` (so the state is a concrete array and the
    generator's variable is assigned a concrete value, not a tracer that would leak),
    under ``tf.function`` in ``tf.init_scope()``. Elsewhere, and in eager code, it is
    plain ``seed.next()``. A state the trace itself holds stays traced."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax
        with jax.ensure_compile_time_eval():
            return seed.next()
    if backend == "tensorflow":  # pragma: no cover  (tensorflow is not in the test env)
        import importlib
        tf = importlib.import_module("tensorflow")
        with tf.init_scope():
            return seed.next()
    return seed.next()


def state_to_generator(state: Any) -> Generator:
    """``winit.Generator(s).at_stream(k)`` of a host seed state ``[s, k]``."""
    s0, s1 = (int(w) & 0xFFFFFFFF for w in np.asarray(state).reshape(-1)[:2])
    return Generator(s0).at_stream(s1)


def _is_traced(x: Any) -> bool:
    """A jax tracer (the only backend whose initializers run inside a trace)."""
    if keras.backend.backend() != "jax":
        return False
    import jax
    return isinstance(x, jax.core.Tracer)


# ------------------------------------------------------------------ backend tensors

def _empty_aligned(shape: tuple[int, ...], dtype: np.dtype, align: int = 64) -> np.ndarray:
    """An uninitialised C-order array whose data is ``align``-byte aligned (jax then
    wraps it without a copy on the CPU)."""
    n = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if n == 0:
        return np.empty(shape, dtype)
    buf = np.empty(n + align, np.uint8)
    off = (-buf.ctypes.data) % align
    return buf[off:off + n].view(dtype).reshape(shape)


def to_tensor(values: np.ndarray, dtype: str) -> Any:
    """``keras.ops.convert_to_tensor(values, dtype=dtype)``, without the copies the
    generic path makes: jax wraps a 64-byte aligned host array without a copy
    (``jax.device_put``), torch shares it (``torch.from_numpy``; bfloat16 through an
    int16 view, where Keras would go through float32). Other backends: the generic path."""
    backend = keras.backend.backend()
    x: Any = values
    if backend == "jax":
        import jax
        x = jax.device_put(values)
    elif backend == "torch":
        import torch
        if values.dtype.name == "bfloat16":
            x = torch.from_numpy(values.view(np.int16)).view(torch.bfloat16)
        else:
            x = torch.from_numpy(values)
    return keras.ops.convert_to_tensor(x, dtype=dtype)
