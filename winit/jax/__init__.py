"""winit.jax: winit's initializers in JAX's and Flax's calling convention.

``pip install "winit[jax]"``; ``import winit`` does not import jax, ``import winit.jax``
does. Every factory of ``jax.nn.initializers`` is here with its name, parameters, defaults
and distribution, returning ``init(key, shape, dtype=<default>, out_sharding=None)``::

    import jax, flax.linen as nn
    import winit.jax

    w = winit.jax.glorot_uniform()(jax.random.key(0), (256, 128))      # a jax.Array
    layer = nn.Dense(64, kernel_init=winit.jax.he_normal())             # Flax linen / NNX

The values come from winit's C core: the same key gives the same bits eagerly, under
``jax.jit`` and ``jax.vmap``, in Flax, and for every shard of a sharded array
(``out_sharding=``), on any CPU and thread count. The key rule (frozen) is in
``winit.jax.generator``; docs/jax.md has the migration table and the costs.

``zeros``, ``ones`` and ``constant`` are JAX's own (an XLA broadcast is the fastest way
to write a constant, and there are no random bits to agree on).
"""
from __future__ import annotations

from typing import Any

from jax.nn.initializers import constant, ones, zeros

from ._initializers import (Initializer, delta_orthogonal, dirac, from_winit, glorot_normal,
                            glorot_uniform, he_normal, he_uniform, identity_init,
                            kaiming_normal, kaiming_uniform, lecun_normal, lecun_uniform,
                            normal, orthogonal, sparse_init, truncated_normal, uniform,
                            variance_scaling, xavier_normal, xavier_uniform)
from ._keys import generator

__all__ = ["Initializer", "generator", "sharded", "from_winit",
           # jax.nn.initializers' names
           "zeros", "ones", "constant", "uniform", "normal", "truncated_normal",
           "variance_scaling", "glorot_uniform", "glorot_normal", "xavier_uniform",
           "xavier_normal", "he_uniform", "he_normal", "kaiming_uniform", "kaiming_normal",
           "lecun_uniform", "lecun_normal", "orthogonal", "delta_orthogonal",
           # winit's own schemes
           "sparse_init", "identity_init", "dirac"]


class sharded:  # noqa: N801 -- used like a function: sharded(init, spec)
    """``init`` with its ``out_sharding`` bound: each call returns an array sharded as
    ``NamedSharding(mesh, PartitionSpec(*spec))``, every device's block generated alone.

    ``mesh``: a ``jax.sharding.Mesh``, or None for the mesh set with ``jax.set_mesh`` when
    the initializer runs (none set: an unsharded array, placed by whoever asks for it).
    Use it where a framework calls ``init(key, shape, dtype)`` without a sharding --
    Flax's partitioning wrappers::

        nn.Dense(1024, kernel_init=nn.with_partitioning(
            winit.jax.sharded(winit.jax.glorot_uniform(), (None, "model")), (None, "model")))
        nnx.Linear(512, 1024, rngs=rngs, kernel_init=nnx.with_partitioning(
            winit.jax.sharded(winit.jax.glorot_uniform(), (None, "model")), (None, "model")))
    """

    __slots__ = ("init", "spec", "mesh")

    def __init__(self, init: Any, spec: Any, mesh: Any = None) -> None:
        from jax.sharding import PartitionSpec
        self.init = init
        self.spec = spec if isinstance(spec, PartitionSpec) else PartitionSpec(*spec)  # type: ignore[no-untyped-call]
        self.mesh = mesh

    def __call__(self, key: Any, shape: Any, *args: Any, **kwargs: Any) -> Any:
        import jax
        from jax.core import Tracer

        out: Any
        if self.mesh is not None:
            out = jax.sharding.NamedSharding(self.mesh, self.spec)
        else:
            ctx = (jax.sharding.get_abstract_mesh() if isinstance(key, Tracer)
                   else jax.sharding.get_mesh())
            out = None if ctx is None or ctx.empty else self.spec
        return self.init(key, shape, *args, out_sharding=out, **kwargs)

    def __repr__(self) -> str:
        return f"winit.jax.sharded({self.init!r}, {self.spec!r}, mesh={self.mesh!r})"
