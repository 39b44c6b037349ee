"""Torch tensors -> what the functional API fills, without a copy.

A ``Target`` says, for one tensor, which memory is written (the tensor itself, or a
DTensor's local shard), what full shape its fans come from, where that memory sits in
the full tensor (``region``), and the ``out=`` / ``dtype`` / ``device`` arguments the
functional API takes for it:

- CPU: ``out=`` is a numpy view of the tensor's own memory with the tensor's strides
  (``tensor.numpy()``; bfloat16 through a 16-bit integer view, since numpy has no
  bfloat16 of its own and torch will not hand one to ml_dtypes).
- CUDA: ``out=`` is the tensor itself (``__cuda_array_interface__``; bfloat16 as its
  int16 view), ``device="cuda:N"``.
- DTensor: the local shard; ``region`` is its block of the global tensor, computed from
  the placements (``Shard(dim)`` splits like ``torch.chunk``: ceil-sized blocks, the
  last shorter or empty; several mesh dimensions on one tensor dimension nest in mesh
  order; ``Replicate`` keeps the whole extent).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import ml_dtypes
import numpy as np
import torch

__all__ = ["Target", "target", "dtensor_region", "is_dtensor", "from_numpy", "bump_version"]

# torch dtype -> the functional API's dtype name
FLOAT_DTYPES = {torch.float32: "float32", torch.float64: "float64", torch.float16: "float16",
                torch.bfloat16: "bfloat16"}
_BF16 = np.dtype(ml_dtypes.bfloat16)

_DTENSOR: Any = None


def _dtensor_type() -> Any:
    """``torch.distributed.tensor.DTensor``, or False where torch has no distributed."""
    global _DTENSOR
    if _DTENSOR is None:
        _DTENSOR = False
        if torch.distributed.is_available():
            try:
                from torch.distributed.tensor import DTensor
                _DTENSOR = DTensor
            except ImportError:  # pragma: no cover - torch < 2.4
                pass
    return _DTENSOR


def is_dtensor(t: Any) -> bool:
    dt = _dtensor_type()
    return bool(dt) and isinstance(t, dt)


@dataclass(frozen=True)
class Target:
    """One tensor as the functional API sees it.

    Attributes:
        local: the memory written (detached: same storage, no autograd).
        shape: the full shape (a DTensor's global shape): fans come from it.
        region: the block of ``shape`` that ``local`` holds (None: all of it).
        dtype: the functional API's dtype name ("float32", "bfloat16", "int64", ...).
        device: "cpu" or "cuda:N".
    """
    local: Any
    shape: tuple[int, ...]
    region: tuple[slice, ...] | None
    dtype: str
    device: str

    @property
    def size(self) -> int:
        """Elements of the full tensor."""
        return math.prod(self.shape)

    def out(self) -> Any:
        """The ``out=`` argument: a numpy view of ``local`` (CPU) or ``local`` (CUDA)."""
        t = self.local
        if self.device == "cpu":
            if t.dtype == torch.bfloat16:
                return t.view(torch.int16).numpy().view(_BF16)
            return t.numpy()
        return t.view(torch.int16) if t.dtype == torch.bfloat16 else t


def _shape_str(t: Any) -> str:
    return f"shape {tuple(t.shape)}, dtype {t.dtype}, device {t.device}"


def target(tensor: Any, fn: str, *, random: bool) -> Target:
    """Check ``tensor`` for ``fn`` and describe it. Raises before anything is written:
    TypeError for a non-tensor or an unsupported dtype (an integer tensor for a random
    scheme), ValueError for a meta tensor, an unsupported device or memory where one
    element is several (an expanded tensor)."""
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"{fn}(): Argument `tensor` must be a torch.Tensor. Received: "
                        f"tensor of type {type(tensor).__name__}")
    region: tuple[slice, ...] | None
    if is_dtensor(tensor):
        d: Any = tensor  # a DTensor (its own attributes)
        shape = tuple(int(n) for n in d.shape)
        region = dtensor_region(d)
        with torch.no_grad():
            local = d.to_local()
        if hasattr(local, "wait"):  # an AsyncCollectiveTensor: the shard once it is ready
            local = local.wait()
        local = local.detach()
        want = tuple(s.stop - s.start for s in region)
        if tuple(local.shape) != want:
            raise ValueError(f"{fn}(): the local shard of this DTensor has shape "
                             f"{tuple(local.shape)}, but its placements {d.placements} give "
                             f"the block {region} of the global shape {shape}")
        if all(s.start == 0 and s.stop == n for s, n in zip(region, shape)):
            region = None  # the whole tensor (replicated)
    else:
        local, shape, region = tensor.detach(), tuple(int(n) for n in tensor.shape), None
    dev = local.device
    if dev.type == "meta":
        raise ValueError(f"{fn}(): the tensor is on the meta device (no storage to fill; "
                         f"{_shape_str(local)}). Allocate it first: module.to_empty(device="
                         "'cpu') or 'cuda', then initialize")
    if dev.type == "cpu":
        device = "cpu"
    elif dev.type == "cuda":
        device = f"cuda:{dev.index if dev.index is not None else torch.cuda.current_device()}"
    else:
        raise ValueError(f"{fn}(): winit.torch fills CPU and CUDA tensors. Received: a tensor "
                         f"on {dev}")
    if local.dtype in FLOAT_DTYPES:
        dtype = FLOAT_DTYPES[local.dtype]
    elif random:
        raise TypeError(f"{fn}(): a random initializer needs a float32, float64, float16 or "
                        f"bfloat16 tensor. Received: {_shape_str(local)}")
    elif local.dtype.is_complex or not local.dtype.is_floating_point:
        dtype = str(local.dtype).removeprefix("torch.")
    else:  # other float formats (float8 ...): numpy has no view of them
        raise TypeError(f"{fn}(): unsupported dtype {local.dtype}")
    if local.is_conj() or local.is_neg():
        raise ValueError(f"{fn}(): the tensor is a lazily conjugated or negated view; "
                         "call .resolve_conj() / .resolve_neg() first")
    if any(s == 0 and n > 1 for s, n in zip(local.stride(), local.shape)):
        raise ValueError(f"{fn}(): more than one element of the tensor refers to a single "
                         f"memory location (stride {tuple(local.stride())} for "
                         f"{_shape_str(local)}); clone it first")
    return Target(local, shape, region, dtype, device)


def dtensor_region(dt: Any) -> tuple[slice, ...]:
    """The block of a DTensor's global shape that this rank holds, from its placements.

    ``Shard(d)`` on mesh dimension i splits the current extent of tensor dim d into
    ``mesh.size(i)`` chunks of ceil(length / n) (``torch.chunk``: the last shorter, any
    beyond the end empty) and keeps chunk ``coordinate[i]``; mesh dimensions apply in
    order. ``Replicate`` keeps the extent. ``Partial`` (values pending a reduction) and
    strided shards are refused. A rank outside the mesh holds an empty block."""
    from torch.distributed.tensor import Replicate, Shard
    shape = tuple(int(n) for n in dt.shape)
    start = [0] * len(shape)
    length = list(shape)
    mesh = dt.device_mesh
    coord = mesh.get_coordinate()
    if coord is None:  # this rank is not in the mesh: it holds nothing
        return tuple(slice(0, 0) for _ in shape)
    for i, p in enumerate(dt.placements):
        if isinstance(p, Replicate):
            continue
        if isinstance(p, Shard) and getattr(p, "split_factor", None) is None:
            d = p.dim % len(shape)
            n = mesh.size(i)
            chunk = -(-length[d] // n)
            a = min(coord[i] * chunk, length[d])
            b = min(a + chunk, length[d])
            start[d] += a
            length[d] = b - a
            continue
        kind = "Partial (values pending a reduction)" if p.is_partial() else repr(p)
        raise ValueError(f"winit.torch fills DTensors with Shard(dim) and Replicate() "
                         f"placements. Received: placements={tuple(dt.placements)} ({kind}); "
                         "initialize a Replicate/Shard DTensor and redistribute it")
    return tuple(slice(s, s + n) for s, n in zip(start, length))


def from_numpy(a: np.ndarray[Any, Any]) -> Any:
    """A CPU tensor sharing ``a``'s memory (bfloat16 through an int16 view)."""
    if a.dtype == _BF16:
        return torch.from_numpy(a.view(np.int16)).view(torch.bfloat16)
    return torch.from_numpy(a)


def bump_version(t: Any) -> None:
    """Count the write in the tensor's version counter, as an in-place torch op would
    (autograd then refuses a stale saved tensor); the write itself bypassed torch."""
    if not t.is_inference():
        torch.autograd.graph.increment_version(t)
