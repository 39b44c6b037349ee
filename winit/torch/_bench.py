"""The torch section of ``python -m winit bench``: winit.torch against torch itself, in
one run, at each thread count (``winit.set_num_threads`` and ``torch.set_num_threads``
alike).

- every in-place function against ``torch.nn.init``'s on a (4096, 4096) float32 tensor
  (``dirac_``: (4096, 4096, 1));
- whole-model init: GPT-2 small (124M parameters, 148 tensors; torch's side is HF's
  ``_init_weights``: ``normal_(0, 0.02)`` weights, ``zero_`` biases, ``ones_`` norm
  weights) with ``init_module(model, seed, rules=GPT2_RULES)``, and a LLaMA-style ~1B
  model (hidden 2048, 16 layers, intermediate 5632, vocab 32000, RMSNorm) built on the
  meta device and ``to_empty``'d, with ``init_module(model, seed)``'s default rules
  against every module's own ``reset_parameters``.

Both sides write the same preallocated memory (pages touched before timing); each time
is the best of a few calls, winit and torch alternating so both see the same machine
load. Ratio = torch time / winit time."""
from __future__ import annotations

import contextlib
import functools
import gc
import importlib
import json
import math
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

import winit

from ._functions import (constant_, dirac_, eye_, kaiming_normal_, kaiming_uniform_, normal_,
                         ones_, orthogonal_, sparse_, trunc_normal_, uniform_, xavier_normal_,
                         xavier_uniform_, zeros_)
from ._module import init_module

__all__ = ["section", "GPT2_RULES", "gpt2_small", "llama", "main"]

GPT2_RULES: dict[Any, Any] = {nn.Linear: {"weight": winit.normal(std=0.02), "bias": winit.zeros()},
                              nn.Embedding: winit.normal(std=0.02)}


# ------------------------------------------------------------------ models

class _Attn(nn.Module):
    def __init__(self, d: int) -> None:
        super().__init__()
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)


class _MLP(nn.Module):
    def __init__(self, d: int) -> None:
        super().__init__()
        self.c_fc = nn.Linear(d, 4 * d)
        self.c_proj = nn.Linear(4 * d, d)


class _GPT2Block(nn.Module):
    def __init__(self, d: int) -> None:
        super().__init__()
        self.ln_1, self.attn = nn.LayerNorm(d), _Attn(d)
        self.ln_2, self.mlp = nn.LayerNorm(d), _MLP(d)


class GPT2(nn.Module):
    """GPT-2's parameters (HF names; nn.Linear in torch's layout for HF's Conv1D)."""

    def __init__(self, vocab: int = 50257, ctx: int = 1024, d: int = 768, n_layer: int = 12) -> None:
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, d), nn.Embedding(ctx, d)
        self.h = nn.ModuleList(_GPT2Block(d) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(d)


class _LlamaAttn(nn.Module):
    def __init__(self, d: int) -> None:
        super().__init__()
        self.q_proj, self.k_proj = nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False)
        self.v_proj, self.o_proj = nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False)


class _LlamaMLP(nn.Module):
    def __init__(self, d: int, inter: int) -> None:
        super().__init__()
        self.gate_proj = nn.Linear(d, inter, bias=False)
        self.up_proj = nn.Linear(d, inter, bias=False)
        self.down_proj = nn.Linear(inter, d, bias=False)


class _LlamaLayer(nn.Module):
    def __init__(self, d: int, inter: int) -> None:
        super().__init__()
        self.input_layernorm, self.self_attn = nn.RMSNorm(d), _LlamaAttn(d)
        self.post_attention_layernorm, self.mlp = nn.RMSNorm(d), _LlamaMLP(d, inter)


class Llama(nn.Module):
    """A LLaMA-style decoder's parameters (HF names)."""

    def __init__(self, vocab: int = 32000, d: int = 2048, n_layer: int = 16,
                 inter: int = 5632) -> None:
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList(_LlamaLayer(d, inter) for _ in range(n_layer))
        self.norm = nn.RMSNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)


def _on_meta(cls: Callable[..., nn.Module], **kw: Any) -> nn.Module:
    """The big-model flow: build on the meta device, allocate (uninitialized) storage."""
    with torch.device("meta"):
        m = cls(**kw)
    return m.to_empty(device="cpu")


def gpt2_small(quick: bool = False) -> nn.Module:
    return _on_meta(GPT2, **(dict(n_layer=2) if quick else {}))


def llama(quick: bool = False) -> nn.Module:
    return _on_meta(Llama, **(dict(n_layer=2, vocab=8000) if quick else {}))


def _torch_gpt2_init(model: nn.Module) -> None:
    """HF GPT-2's _init_weights, on these modules."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                m.weight.normal_(0.0, 0.02)
                bias: Any = getattr(m, "bias", None)
                if bias is not None:
                    bias.zero_()
            elif isinstance(m, nn.LayerNorm):
                m.weight.fill_(1.0)
                m.bias.zero_()


def _torch_reset(model: nn.Module) -> None:
    """torch's own init: every module's reset_parameters."""
    for m in model.modules():
        reset = getattr(m, "reset_parameters", None)
        if callable(reset):
            reset()


# ------------------------------------------------------------------ timing

def _blas_threads(n: int) -> Any:
    """numpy's BLAS (orthogonal_'s products) held to n threads, as torch.set_num_threads
    holds torch's: winit.set_num_threads counts only winit's own fills."""
    try:  # (imported by name: it ships no type information)
        tpc: Any = importlib.import_module("threadpoolctl")
    except ImportError:  # the bench extra installs it
        return contextlib.nullcontext()
    return tpc.threadpool_limits(n, user_api="blas")


def _best_pair(f: Callable[[], Any], g: Callable[[], Any], reps: int,
               budget: float) -> tuple[float, float]:
    """Best wall times of f and g, called alternately (after one warm-up call each)."""
    f(), g()
    bf = bg = math.inf
    start = time.perf_counter()
    for _ in range(reps):
        for fn, which in ((f, 0), (g, 1)):
            gc.disable()
            t = time.perf_counter()
            fn()
            dt = time.perf_counter() - t
            gc.enable()
            if which:
                bg = min(bg, dt)
            else:
                bf = min(bf, dt)
        if time.perf_counter() - start > budget:
            break
    return bf, bg


def _functions(size: int) -> list[tuple[str, tuple[int, ...], Callable[..., Any], Callable[..., Any]]]:
    I = nn.init
    tg = torch.Generator().manual_seed(1)
    s5 = math.sqrt(5.0)
    sq, d3 = (size, size), (size, size, 1)
    return [
        ("uniform_", sq, lambda t: uniform_(t, -1, 1, generator=1),
         lambda t: I.uniform_(t, -1, 1, generator=tg)),
        ("normal_", sq, lambda t: normal_(t, 0, 0.02, generator=1),
         lambda t: I.normal_(t, 0, 0.02, generator=tg)),
        ("trunc_normal_", sq, lambda t: trunc_normal_(t, 0, 0.02, -0.04, 0.04, generator=1),
         lambda t: I.trunc_normal_(t, 0, 0.02, -0.04, 0.04, generator=tg)),
        ("xavier_uniform_", sq, lambda t: xavier_uniform_(t, generator=1),
         lambda t: I.xavier_uniform_(t, generator=tg)),
        ("xavier_normal_", sq, lambda t: xavier_normal_(t, generator=1),
         lambda t: I.xavier_normal_(t, generator=tg)),
        ("kaiming_uniform_", sq, lambda t: kaiming_uniform_(t, a=s5, generator=1),
         lambda t: I.kaiming_uniform_(t, a=s5, generator=tg)),
        ("kaiming_normal_", sq, lambda t: kaiming_normal_(t, generator=1),
         lambda t: I.kaiming_normal_(t, generator=tg)),
        ("orthogonal_", sq, lambda t: orthogonal_(t, generator=1),
         lambda t: I.orthogonal_(t, generator=tg)),
        ("sparse_", sq, lambda t: sparse_(t, 0.1, generator=1),
         lambda t: I.sparse_(t, 0.1, generator=tg)),
        ("constant_", sq, lambda t: constant_(t, 0.5), lambda t: I.constant_(t, 0.5)),
        ("ones_", sq, ones_, I.ones_),
        ("zeros_", sq, zeros_, I.zeros_),
        ("eye_", sq, eye_, I.eye_),
        ("dirac_", d3, dirac_, I.dirac_),
    ]


def section(threads: tuple[int, ...] = (1, 2), size: int = 4096, models: bool = True,
            quick: bool = False, as_json: bool = False,
            write: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Run the torch section; returns one row per (case, threads) with winit's and
    torch's milliseconds and their ratio (torch / winit). ``as_json``: print nothing
    (the caller prints the rows)."""
    rows: list[dict[str, Any]] = []
    out = (lambda s: None) if as_json else write
    before = torch.get_num_threads()
    if quick:
        size = min(size, 1024)
    out(f"\ntorch {torch.__version__}: winit.torch vs torch.nn.init, float32, best of a few "
        f"(ms; ratio = torch / winit)")
    out(f"  {'case':44s} {'thr':>3s} {'winit.torch':>12s} {'torch':>10s} {'ratio':>7s}")

    def record(case: str, n: int, thr: int, ours: float, theirs: float) -> None:
        rows.append(dict(case=case, n=n, threads=thr, winit_ms=ours * 1e3, torch_ms=theirs * 1e3,
                         ratio=theirs / ours))
        out(f"  {case:44s} {thr:3d} {ours * 1e3:12.1f} {theirs * 1e3:10.1f} "
            f"{theirs / ours:6.1f}x")

    try:
        for name, shape, ours, theirs in _functions(size):
            t = torch.empty(shape)
            t.zero_()  # pages touched before timing
            slow = name in ("orthogonal_", "sparse_")
            for thr in threads:
                winit.set_num_threads(thr)
                torch.set_num_threads(thr)
                with _blas_threads(thr):
                    a, b = _best_pair(functools.partial(ours, t), functools.partial(theirs, t),
                                      1 if slow else 5, 0.0 if slow else 3.0)
                record(f"{name} {shape}", t.numel(), thr, a, b)
            del t
        if models:
            small = " (2 layers)" if quick else ""
            for label, build, ref, rules in (
                    ("GPT-2 small" + small, gpt2_small, _torch_gpt2_init, GPT2_RULES),
                    ("LLaMA-style" + (small or " 1B") + ", meta", llama, _torch_reset, None)):
                model = build(quick)
                n = sum(p.numel() for p in model.parameters())
                k = sum(1 for _ in model.parameters())
                init_module(model, 0, rules)  # pages touched before timing
                for thr in threads:
                    winit.set_num_threads(thr)
                    torch.set_num_threads(thr)
                    a, b = _best_pair(functools.partial(init_module, model, 0, rules),
                                      functools.partial(ref, model), 2, 0.0)
                    record(f"{label} ({n / 1e6:.0f}M, {k} tensors)", n, thr, a, b)
                del model
                gc.collect()
    finally:
        winit.set_num_threads(0)  # back to the default (OMP_NUM_THREADS or all cores)
        torch.set_num_threads(before)
    return rows


def main(argv: list[str] | None = None) -> int:
    import argparse
    p = argparse.ArgumentParser(prog="python -m winit.torch._bench", description=__doc__)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--size", type=int, default=4096)
    p.add_argument("--quick", action="store_true", help="(1024, 1024) tensors, 2-layer models")
    p.add_argument("--no-models", action="store_true")
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    rows = section(tuple(int(t) for t in a.threads.split(",")), a.size, not a.no_models,
                   a.quick, a.json)
    if a.json:
        print(json.dumps(dict(torch=rows), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
