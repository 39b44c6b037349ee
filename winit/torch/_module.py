"""``init_module``: every parameter of an ``nn.Module`` in place, each from a stream
derived from its fully qualified name.

Which initializer a parameter gets (the first that covers it):

1. ``rules`` keyed by a name pattern (``fnmatch`` on the full name, e.g.
   ``"*.c_proj.weight"``), in the order given;
2. ``rules`` keyed by a module type, for the modules that hold the parameter, the
   outermost first (a parent's ``reset_parameters`` runs after its children's, so
   ``MultiheadAttention`` zeroes its ``out_proj.bias`` after ``Linear`` filled it). A
   plain value covers the module's own parameters; a dict maps relative names (patterns
   too: ``"out_proj.bias"``, ``"*"``) to values;
3. the default rules (``defaults=True``): each standard layer as its own
   ``reset_parameters``, the same outermost-first way.

A value is a winit initializer (``winit.normal(std=0.02)``: filled in torch's layout with
the parameter's generator), a callable ``f(tensor, generator=g)`` (e.g.
``functools.partial(winit.torch.trunc_normal_, std=0.02)``), or None (left as it is, on
purpose). A parameter no rule covers is left as it is and named in a warning.

The generator of the parameter named ``n`` is ``root.fold_in(n)``, ``root`` from
``seed`` (an int: ``winit.Generator(seed)``). Names are the module's
``named_parameters()`` names with wrapper parts removed (FSDP1's
``_fsdp_wrapped_module``, activation checkpointing's ``_checkpoint_wrapped_module``,
``torch.compile``'s ``_orig_mod``, DDP's leading ``module``), so a model has the same
values wrapped or not, sharded or not.
"""
from __future__ import annotations

import fnmatch
import functools
import math
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

import winit

from ._functions import GeneratorLike, fill_with, resolve_generator
from ._tensors import target

__all__ = ["init_module", "InitReport", "InitEntry", "clean_name"]

_WRAPPERS = frozenset({"_fsdp_wrapped_module", "_checkpoint_wrapped_module", "_orig_mod"})
_SKIP = "left as it is (rule value None)"


def clean_name(name: str) -> str:
    """A parameter's name without wrapper modules' parts."""
    return ".".join(p for p in name.split(".") if p not in _WRAPPERS)


@dataclass(frozen=True)
class InitEntry:
    """One parameter: its name, full shape, dtype, what filled it and which rule chose it."""
    name: str
    shape: tuple[int, ...]
    dtype: str
    init: str
    rule: str

    @property
    def size(self) -> int:
        return math.prod(self.shape)


@dataclass
class InitReport:
    """What ``init_module`` did. ``entries``: every parameter (``init`` says how it was
    filled, or that it was left); ``uncovered``: the names no rule covered (left as they
    were); ``buffers``: the buffers reset (BatchNorm running statistics)."""
    entries: list[InitEntry] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)
    buffers: list[str] = field(default_factory=list)

    @property
    def initialized(self) -> list[InitEntry]:
        return [e for e in self.entries if e.rule and e.init != _SKIP]

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[InitEntry]:
        return iter(self.entries)

    def __getitem__(self, name: str) -> InitEntry:
        for e in self.entries:
            if e.name == name:
                return e
        raise KeyError(name)

    def __repr__(self) -> str:
        done = self.initialized
        return (f"InitReport({len(done)} of {len(self.entries)} parameters initialized, "
                f"{sum(e.size for e in done):,} values; {len(self.uncovered)} uncovered)")

    def __str__(self) -> str:
        w = max([len(e.name) for e in self.entries] + [4])
        lines = [repr(self), f"{'name':{w}s}  {'shape':16s} {'dtype':9s} init  [rule]"]
        for e in self.entries:
            lines.append(f"{e.name:{w}s}  {str(e.shape):16s} {e.dtype:9s} {e.init}  "
                         f"[{e.rule or 'no rule'}]")
        if self.buffers:
            lines.append("buffers reset: " + ", ".join(self.buffers))
        return "\n".join(lines)


# ------------------------------------------------------------------ rule values

class _Call:
    """A callable rule value with a description (the default rules' special cases)."""

    def __init__(self, fn: Callable[..., Any], how: str) -> None:
        self.fn, self.how = fn, how

    def __call__(self, tensor: Any, generator: Any = None) -> Any:
        return self.fn(tensor, generator)

    def __repr__(self) -> str:
        return self.how


def _how_once(v: Any, hows: dict[int, str]) -> str:
    """_how(v), computed once per rule value (kept in ``hows`` by id)."""
    h = hows.get(id(v))
    if h is None:
        h = hows[id(v)] = _how(v)
    return h


def _how(v: Any) -> str:
    """A short description of a rule value."""
    if v is None:
        return _SKIP
    if isinstance(v, (winit.Initializer, _Call)):
        return repr(v)
    if isinstance(v, functools.partial):
        args = [repr(a) for a in v.args] + [f"{k}={a!r}" for k, a in v.keywords.items()]
        return f"{getattr(v.func, '__name__', repr(v.func))}({', '.join(args)})"
    return f"{getattr(v, '__qualname__', type(v).__name__)}(tensor, generator)"


def _check_value(v: Any, where: str) -> Any:
    if v is None or isinstance(v, winit.Initializer) or callable(v):
        return v
    raise TypeError(f"init_module(): the rule {where} must be a winit initializer (e.g. "
                    "winit.normal(std=0.02)), a callable f(tensor, generator=g), or None. "
                    f"Received: {v!r} of type {type(v).__name__}")


def _type_name(t: type) -> str:
    return f"nn.{t.__name__}" if t.__module__.startswith("torch.nn") else t.__qualname__


# ------------------------------------------------------------------ default rules

def _fan_in(w: Any) -> int:
    return winit.compute_fans(tuple(int(n) for n in w.shape), layout="torch")[0] if w.dim() >= 2 \
        else int(w.shape[0]) if w.dim() == 1 else 1


def _embedding(padding_idx: int | None) -> _Call:
    def fill(tensor: Any, generator: Any) -> Any:
        fill_with(tensor, _NORMAL, generator, "init_module")
        if padding_idx is not None:
            tg = target(tensor, "init_module", random=False)
            r0, r1 = (tg.region[0].start, tg.region[0].stop) if tg.region else (0, tg.shape[0])
            if r0 <= padding_idx < r1:
                tg.local[padding_idx - r0].zero_()
        return tensor
    pad = f", row {padding_idx} zero" if padding_idx is not None else ""
    return _Call(fill, f"normal_(0, 1){pad}")


_ONES, _ZEROS, _NORMAL = winit.ones(), winit.zeros(), winit.normal()
_XU, _XN = winit.glorot_uniform(), winit.glorot_normal()
_LINEAR_W = winit.kaiming_uniform(gain=math.sqrt(1.0 / 3.0))  # kaiming_uniform_(a=sqrt(5))


def _linear_like(m: Any, rel: str) -> tuple[Any, str] | None:
    if rel == "weight":
        return _LINEAR_W, "kaiming_uniform_(a=sqrt(5))"
    if rel == "bias":
        fan_in = _fan_in(m.weight)
        b = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        return winit.uniform(low=-b, high=b), f"uniform_(+-1/sqrt(fan_in={fan_in}))"
    return None


_CONVS: tuple[type, ...] = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d,
                            nn.ConvTranspose2d, nn.ConvTranspose3d)
_NORMS: tuple[type, ...] = (nn.LayerNorm, nn.GroupNorm, nn.BatchNorm1d, nn.BatchNorm2d,
                            nn.BatchNorm3d, nn.SyncBatchNorm, nn.InstanceNorm1d,
                            nn.InstanceNorm2d, nn.InstanceNorm3d) + (
    (nn.RMSNorm,) if hasattr(nn, "RMSNorm") else ())
_RUNNING: tuple[type, ...] = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm,
                              nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d)


def default_rule(m: Any, rel: str, p: Any) -> tuple[Any, str] | None:
    """(value, description) of torch's own init for parameter ``rel`` (a name relative
    to ``m``) of module ``m``, or None where ``m``'s ``reset_parameters`` does not set it."""
    if isinstance(m, nn.Transformer):  # _reset_parameters: every matrix, the whole model
        return (_XU, "xavier_uniform_ (nn.Transformer)") if p.dim() > 1 else None
    if isinstance(m, nn.MultiheadAttention):
        if rel in ("in_proj_weight", "q_proj_weight", "k_proj_weight", "v_proj_weight"):
            return _XU, "xavier_uniform_"
        if rel in ("in_proj_bias", "out_proj.bias"):
            return _ZEROS, "zeros_"
        if rel in ("bias_k", "bias_v"):
            return _XN, "xavier_normal_"
        return None
    if "." in rel:
        return None
    if isinstance(m, (nn.Linear,) + _CONVS):
        return _linear_like(m, rel)
    if isinstance(m, nn.Bilinear):
        b = 1.0 / math.sqrt(int(m.weight.shape[1]))
        return winit.uniform(low=-b, high=b), "uniform_(+-1/sqrt(in1_features))"
    if isinstance(m, (nn.Embedding, nn.EmbeddingBag)) and rel == "weight":
        e = _embedding(m.padding_idx)
        return e, e.how
    if isinstance(m, _NORMS):
        if rel == "weight":
            return _ONES, "ones_"
        if rel == "bias":
            return _ZEROS, "zeros_"
        return None
    if isinstance(m, (nn.RNNBase, nn.RNNCellBase)):
        b = 1.0 / math.sqrt(m.hidden_size) if m.hidden_size > 0 else 0.0
        return winit.uniform(low=-b, high=b), "uniform_(+-1/sqrt(hidden_size))"
    if isinstance(m, nn.PReLU) and rel == "weight":
        return winit.constant(value=float(m.init)), f"constant_({m.init})"
    return None


# ------------------------------------------------------------------ init_module

def _parse(rules: Mapping[Any, Any] | None) -> tuple[list[tuple[str, Any]], list[tuple[type, Any]]]:
    patterns: list[tuple[str, Any]] = []
    types: list[tuple[type, Any]] = []
    if rules is None:
        return patterns, types
    if not isinstance(rules, Mapping):
        raise TypeError("init_module(): Argument `rules` must be a dict mapping name patterns or "
                        f"module types to initializers. Received: rules of type {type(rules).__name__}")
    for k, v in rules.items():
        if isinstance(k, str):
            patterns.append((k, _check_value(v, f"{k!r}")))
        elif isinstance(k, type):
            if isinstance(v, Mapping):
                for rk, rv in v.items():
                    if not isinstance(rk, str):
                        raise TypeError(f"init_module(): the rule for {_type_name(k)} maps "
                                        f"parameter names to values. Received key {rk!r}")
                    _check_value(rv, f"{_type_name(k)}[{rk!r}]")
                types.append((k, dict(v)))
            else:
                types.append((k, _check_value(v, _type_name(k))))
        else:
            raise TypeError("init_module(): the keys of `rules` must be name patterns (str) or "
                            f"module types. Received key {k!r}")
    return patterns, types


_NONE = object()


def _type_lookup(types: list[tuple[type, Any]], m: Any, rel: str) -> tuple[Any, str] | Any:
    for t, spec in types:
        if not isinstance(m, t):
            continue
        if isinstance(spec, dict):
            for pat, v in spec.items():
                if fnmatch.fnmatchcase(rel, pat):
                    return v, f"rules[{_type_name(t)}][{pat!r}]"
        elif "." not in rel:
            return spec, f"rules[{_type_name(t)}]"
    return _NONE


def _choose(name: str, chain: list[tuple[str, Any]], p: Any,
            patterns: list[tuple[str, Any]], types: list[tuple[type, Any]],
            defaults: bool, hows: dict[int, str]) -> tuple[Any, str, str] | None:
    """(value, how, rule) for parameter ``name`` held (through ``chain``: (prefix,
    module) pairs, outermost first) -- or None when no rule covers it. ``hows``: the
    descriptions of the rules' values met so far, by id (one rule serves many)."""
    for pat, v in patterns:
        if fnmatch.fnmatchcase(name, pat):
            return v, _how_once(v, hows), f"rules[{pat!r}]"
    for prefix, m in chain:
        rel = name[len(prefix) + 1:] if prefix else name
        hit = _type_lookup(types, m, rel)
        if hit is not _NONE:
            v, rule = hit
            return v, _how_once(v, hows), rule
    if defaults:
        for prefix, m in chain:
            rel = name[len(prefix) + 1:] if prefix else name
            d = default_rule(m, rel, p)
            if d is not None:
                return d[0], d[1], f"{_type_name(type(m))} default"
    return None


def _shape(p: Any) -> tuple[int, ...]:
    return tuple(int(n) for n in p.shape)


def init_module(module: Any, seed: GeneratorLike, rules: Mapping[Any, Any] | None = None, *,
                defaults: bool = True) -> InitReport:
    """Initialize every parameter of ``module`` in place, each from a stream derived from
    its name.

    The generator of parameter ``n`` (its ``named_parameters()`` name, wrapper parts
    removed) is ``root.fold_in(n)``: its values depend on the seed and the name only --
    not on construction order, other modules, or the number of ranks a sharded
    (DTensor / FSDP2) parameter is spread over.

    Args:
        module: an ``nn.Module`` whose parameters hold storage (after
            ``to_empty(device=...)`` for a model built on the meta device); parameters
            may be DTensors (FSDP2 ``fully_shard``, tensor parallel).
        seed: an int (root ``winit.Generator(seed)``), a ``winit.Generator`` (its
            ``fold_in`` children; its stream position is not used), a ``torch.Generator``
            or None (one seed drawn from it / from torch's default generator; None with
            a winit default set by ``winit.seed`` / ``winit.seeded``: that generator's
            ``fold_in`` children).
        rules: ``{pattern or module type: value}``; see the module docstring. Example
            (GPT-2): ``{nn.Linear: {"weight": winit.normal(std=0.02), "bias":
            winit.zeros()}, nn.Embedding: winit.normal(std=0.02)}``.
        defaults: apply the default rules (each standard layer's ``reset_parameters``
            distributions) to what ``rules`` leaves.

    Returns:
        An ``InitReport`` (``print`` it for a table). Parameters no rule covers are left
        as they are and named in a ``UserWarning``.

    Raises:
        ValueError: a parameter on the meta device (nothing is written then), or an
            unsupported placement.
        TypeError: a bad rule, or a random rule for an integer parameter.
    """
    if not isinstance(module, nn.Module):
        raise TypeError("init_module(): Argument `module` must be a torch.nn.Module. Received: "
                        f"module of type {type(module).__name__}")
    patterns, types = _parse(rules)
    strip_module = type(module).__name__ in ("DistributedDataParallel", "DataParallel")

    def clean(raw: str) -> str:
        n = clean_name(raw)
        if strip_module:
            n = n.removeprefix("module.") if n != "module" else ""
        return n

    modules: dict[str, Any] = dict(module.named_modules())
    plan = []
    seen: set[int] = set()
    hows: dict[int, str] = {}  # the rules' values live as long as `rules`: ids are stable
    for prefix, m in modules.items():
        parts = prefix.split(".") if prefix else []
        chain = [(clean(".".join(parts[:i])), modules[".".join(parts[:i])])
                 for i in range(len(parts) + 1) if ".".join(parts[:i]) in modules]
        for pname, p in m.named_parameters(recurse=False):
            if id(p) in seen:  # a tied parameter: its first name
                continue
            seen.add(id(p))
            name = clean(f"{prefix}.{pname}" if prefix else pname)
            if isinstance(p, nn.parameter.UninitializedParameter):
                raise ValueError(f"init_module(): {name} is an uninitialized parameter of a lazy "
                                 "module; run a forward pass (or materialize it) first")
            plan.append((name, p, _choose(name, chain, p, patterns, types, defaults, hows)))
    # every check before anything is written
    for name, p, choice in plan:
        if choice is not None and choice[0] is not None:
            v = choice[0]  # a callable checks its own dtypes when it runs
            random = isinstance(v, winit.Initializer) and winit.get_scheme(v.name).random
            target(p, f"init_module: {name}", random=random)
    # BatchNorm/InstanceNorm running statistics: reset as their reset_parameters does
    running: list[tuple[str, Any]] = [
        (prefix, m) for prefix, m in modules.items() if defaults and isinstance(m, _RUNNING)
        and getattr(m, "track_running_stats", False) and getattr(m, "running_mean", None)
        is not None]
    for prefix, m in running:
        for b in (m.running_mean, m.running_var):
            if b.is_meta:
                raise ValueError(f"init_module(): the buffers of {clean(prefix)} are on the meta "
                                 "device; allocate the module first (to_empty)")
    root = resolve_generator(seed, "init_module")
    report = InitReport()
    with torch.no_grad():
        for name, p, choice in plan:
            dt = str(p.dtype).removeprefix("torch.")
            if choice is None:
                report.uncovered.append(name)
                report.entries.append(InitEntry(name, _shape(p), dt, "left as it is", ""))
                continue
            value, how, rule = choice
            if value is not None:
                g = root.fold_in(name)
                if isinstance(value, winit.Initializer):
                    fill_with(p, value, g, f"init_module: {name}")
                else:
                    value(p, generator=g)
            report.entries.append(InitEntry(name, _shape(p), dt, how, rule))
        for prefix, m in running:
            m.reset_running_stats()
            report.buffers += [clean(f"{prefix}.{b}" if prefix else b)
                               for b in ("running_mean", "running_var", "num_batches_tracked")]
    if report.uncovered:
        shown = ", ".join(report.uncovered[:8]) + (", ..." if len(report.uncovered) > 8 else "")
        warnings.warn(f"init_module: no rule covers {len(report.uncovered)} parameter(s), left as "
                      f"they were (after to_empty() they hold uninitialized memory): {shown}. "
                      "Add rules= entries for them (a name pattern or their module type)",
                      UserWarning, stacklevel=2)
    return report
