"""The key rule: a JAX PRNG key -> a winit generator (frozen: changing it changes users'
weights).

A key's words are ``jax.random.key_data(key)`` for a typed key (``jax.random.key``) or the
key itself for a raw ``uint32`` key (``jax.random.PRNGKey``): ``(k0, k1)`` for threefry,
JAX's default. Then

- two words: ``winit.Generator((k0 << 32) | k1)``, stream 0 -- the same as ``rng=(k0 << 32)
  | k1`` in any winit call;
- any other number ``n`` of words (the ``rbg`` / ``unsafe_rbg`` implementations: 4):
  ``winit.Generator(int.from_bytes(words, "big")).fold_in(n)``, stream 0 (the fold-in keeps
  a 4-word key whose first words are zero apart from a 2-word key).

``Generator`` hashes the seed with SeedSequence, so keys that differ in any bit (those of
``jax.random.split`` / ``fold_in``) give unrelated Philox keys: independent streams. A typed
key and the raw key with the same words give the same values.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import winit

__all__ = ["key_words", "generator", "rng_of_words"]


def key_words(key: Any) -> Any:
    """The key's uint32 words as a 1-D array: a jax array (a tracer under ``jit``/``vmap``)
    or, for a raw key given as numpy, numpy. Raises TypeError for anything that is not one
    key."""
    import jax
    import jax.numpy as jnp

    dt = getattr(key, "dtype", None)
    if dt is not None and jnp.issubdtype(dt, jax.dtypes.prng_key):
        if key.shape != ():
            raise TypeError("Argument `key` must be a single PRNG key (shape ()). Received: a key "
                            f"array of shape {key.shape}; map over keys with jax.vmap")
        return jax.random.key_data(key)
    if dt is None or np.dtype(dt) != np.uint32 or len(getattr(key, "shape", ())) != 1:
        raise TypeError("Argument `key` must be a JAX PRNG key: a typed key (jax.random.key) or "
                        "a raw uint32 key (jax.random.PRNGKey, shape (2,)). Received: "
                        f"key={key!r} of type {type(key).__name__}")
    if key.shape[0] < 1:
        raise TypeError("Argument `key` must hold at least one word. Received: an empty array")
    if isinstance(key, np.ndarray):
        return key
    return jnp.asarray(key)


def rng_of_words(words: Any) -> int | winit.Generator:
    """The ``rng=`` of a key's words (host values): an int seed for two words (stream 0 of
    ``Generator(seed)``), else a fresh folded-in Generator at stream 0."""
    w = [int(x) for x in np.asarray(words, dtype=np.uint32).reshape(-1)]
    if len(w) == 2:
        return (w[0] << 32) | w[1]
    seed = int.from_bytes(b"".join(x.to_bytes(4, "big") for x in w), "big")
    return winit.Generator(seed).fold_in(len(w))


def generator(key: Any) -> winit.Generator:
    """The winit ``Generator`` a concrete JAX key maps to (at stream 0): every
    ``winit.jax`` initializer called with ``key`` gives the values of the same winit scheme
    called with ``rng=winit.jax.generator(key)``.

    Examples:
        >>> import jax
        >>> import winit.jax
        >>> winit.jax.generator(jax.random.key(5)) == winit.Generator(5)
        True
    """
    import jax

    if isinstance(key, jax.core.Tracer):
        raise TypeError("winit.jax.generator needs a concrete key (it is host state); under "
                        "jit the initializers map traced keys themselves")
    rng = rng_of_words(np.asarray(key_words(key)))
    return rng if isinstance(rng, winit.Generator) else winit.Generator(rng)
