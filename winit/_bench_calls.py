"""``python -m winit bench`` sections for what a whole model costs: small calls (the
per-call overhead, where a model of hundreds of small tensors spends its time) against
numpy and torch, and whole-model init (GPT-2 small) against torch's in-place functions.
Times are best-of-N wall times in one process; the ratios are what to read."""
from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import winit

# ------------------------------------------------------------------ timing


def per_call(fn: Callable[[], Any], budget: float = 0.3) -> float:
    """Seconds per call of ``fn``: the best of several timed loops (each long enough to
    see past the clock's resolution)."""
    fn()
    n = 1
    while True:  # calls per loop: about 20 ms
        t = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t
        if dt > 0.02 or n >= 1 << 20:
            break
        n *= 4
    best = dt / n
    start = time.perf_counter()
    while time.perf_counter() - start < budget:
        gc.disable()
        t = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t) / n)
        gc.enable()
    return best


# ------------------------------------------------------------------ small calls

def small_call_cases() -> list[tuple[str, Callable[[], Any]]]:
    """One call of every plain-fill scheme on a 1-element tensor (its cost is the
    per-call overhead: everything but generating values), with an int seed, a
    Generator and a bound initializer."""
    g = winit.Generator(1)
    bound = winit.glorot_uniform()
    one = (1, 1)
    return [
        ("normal rng=int", lambda: winit.normal((1,), rng=1)),
        ("normal rng=Generator", lambda: winit.normal((1,), rng=g)),
        ("uniform", lambda: winit.uniform((1,), rng=1)),
        ("truncated_normal", lambda: winit.truncated_normal((1,), rng=1)),
        ("variance_scaling", lambda: winit.variance_scaling(one, rng=1)),
        ("glorot_uniform", lambda: winit.glorot_uniform(one, rng=1)),
        ("glorot_normal", lambda: winit.glorot_normal(one, rng=1)),
        ("he_normal", lambda: winit.he_normal(one, rng=1)),
        ("lecun_uniform", lambda: winit.lecun_uniform(one, rng=1)),
        ("zeros", lambda: winit.zeros((1,))),
        ("ones", lambda: winit.ones((1,))),
        ("constant", lambda: winit.constant((1,), 0.5)),
        ("Initializer glorot_uniform", lambda: bound(one, rng=1)),
    ]


def small_calls(threads: int = 1) -> dict[str, Any]:
    """Per-call overhead of each scheme, and the issue's head-to-head calls: a (64, 64)
    Glorot uniform vs torch.nn.init.xavier_uniform_ on a preallocated tensor, and
    winit.zeros((768,)) vs numpy.zeros(768)."""
    winit.set_num_threads(threads)
    try:
        overhead = {name: per_call(fn) * 1e6 for name, fn in small_call_cases()}
        head: dict[str, Any] = {}
        w_zeros = per_call(lambda: winit.zeros((768,))) * 1e6
        np_zeros = per_call(lambda: np.zeros(768, np.float32)) * 1e6
        head["zeros((768,))"] = dict(winit=w_zeros, peer="numpy.zeros", peer_us=np_zeros,
                                     ratio=w_zeros / np_zeros)
        w_glorot = per_call(lambda: winit.glorot_uniform((64, 64), rng=1)) * 1e6
        try:
            import torch
            torch.set_num_threads(threads)
            t = torch.empty(64, 64)
            t_us = per_call(lambda: torch.nn.init.xavier_uniform_(t)) * 1e6
            head["glorot_uniform((64, 64))"] = dict(
                winit=w_glorot, peer="torch xavier_uniform_ (preallocated)", peer_us=t_us,
                ratio=w_glorot / t_us)
        except ImportError:
            head["glorot_uniform((64, 64))"] = dict(winit=w_glorot, peer=None)
    finally:
        winit.set_num_threads(0)
    return dict(threads=threads, overhead_us=overhead, head_to_head=head)


def print_small_calls(res: dict[str, Any], write: Callable[[str], None] = print) -> None:
    write(f"\nSmall calls ({res['threads']} thread): per-call overhead, µs (a 1-element "
          "tensor: everything but generating values)")
    for name, us in res["overhead_us"].items():
        write(f"  {name:28s} {us:7.2f}")
    for name, r in res["head_to_head"].items():
        if r.get("peer") is None:
            write(f"  {name:28s} winit {r['winit']:7.2f} µs (torch not installed)")
        else:
            write(f"  {name:28s} winit {r['winit']:7.2f} µs   {r['peer']} {r['peer_us']:7.2f} µs"
                  f"   winit / peer {r['ratio']:5.2f}")


# ------------------------------------------------------------------ whole model

def gpt2_small() -> list[tuple[str, tuple[int, ...], str]]:
    """GPT-2 small's 148 parameter tensors (124M values) and their init (HF GPT-2's
    ``_init_weights``): N(0, 0.02) weights and embeddings, zero biases, unit norm
    weights. (name, shape in torch's layout, "normal" | "zeros" | "ones")."""
    d, ff, vocab, ctx = 768, 3072, 50257, 1024
    ps: list[tuple[str, tuple[int, ...], str]] = [("wte", (vocab, d), "normal"),
                                                   ("wpe", (ctx, d), "normal")]
    for i in range(12):
        b = f"h.{i}."
        ps += [(b + "ln_1.weight", (d,), "ones"), (b + "ln_1.bias", (d,), "zeros"),
               (b + "attn.c_attn.weight", (d, 3 * d), "normal"),
               (b + "attn.c_attn.bias", (3 * d,), "zeros"),
               (b + "attn.c_proj.weight", (d, d), "normal"), (b + "attn.c_proj.bias", (d,), "zeros"),
               (b + "ln_2.weight", (d,), "ones"), (b + "ln_2.bias", (d,), "zeros"),
               (b + "mlp.c_fc.weight", (d, ff), "normal"), (b + "mlp.c_fc.bias", (ff,), "zeros"),
               (b + "mlp.c_proj.weight", (ff, d), "normal"), (b + "mlp.c_proj.bias", (d,), "zeros")]
    return ps + [("ln_f.weight", (d,), "ones"), ("ln_f.bias", (d,), "zeros")]


def whole_model(threads: int = 1, params: list[tuple[str, tuple[int, ...], str]] | None = None,
                name: str = "GPT-2 small") -> dict[str, Any]:
    """Every parameter of a model (default GPT-2 small), allocated and initialized:
    winit's functions (each tensor from its own stream of one Generator) vs torch.empty
    + torch's in-place normal_/zero_/fill_ -- overhead included."""
    params = gpt2_small() if params is None else params

    def with_winit() -> list[Any]:
        g = winit.Generator(0)
        out = []
        for _, shape, how in params:
            if how == "normal":
                out.append(winit.normal(shape, std=0.02, rng=g))
            elif how == "zeros":
                out.append(winit.zeros(shape))
            else:
                out.append(winit.ones(shape))
        return out

    res: dict[str, Any] = dict(model=name, tensors=len(params),
                               values=sum(math.prod(s) for _, s, _ in params), threads=threads)
    winit.set_num_threads(threads)
    try:
        res["winit_ms"] = per_call(with_winit, budget=3.0) * 1e3
        try:
            import torch
        except ImportError:
            return res
        torch.set_num_threads(threads)
        gen = torch.Generator().manual_seed(0)

        def with_torch() -> list[Any]:
            out = []
            for _, shape, how in params:
                t = torch.empty(shape)
                if how == "normal":
                    t.normal_(0.0, 0.02, generator=gen)
                elif how == "zeros":
                    t.zero_()
                else:
                    t.fill_(1.0)
                out.append(t)
            return out

        res["torch_ms"] = per_call(with_torch, budget=3.0) * 1e3
        res["speedup"] = res["torch_ms"] / res["winit_ms"]
    finally:
        winit.set_num_threads(0)
    return res


def print_whole_model(res: dict[str, Any], write: Callable[[str], None] = print) -> None:
    line = (f"  {res['model']} ({res['tensors']} tensors, {res['values'] / 1e6:.0f}M values, "
            f"{res['threads']} thread{'s' if res['threads'] > 1 else ''}): winit "
            f"{res['winit_ms']:.1f} ms")
    if "torch_ms" in res:
        line += f"   torch {res['torch_ms']:.1f} ms   speedup {res['speedup']:.2f}x"
    write(line)


def run(threads: tuple[int, ...] = (1, 2), as_json: bool = False) -> dict[str, Any]:
    """The small-calls section at 1 thread and the whole-model rows."""
    small = small_calls(1)
    if not as_json:
        print_small_calls(small)
        print("\nWhole model: every parameter allocated and initialized (overhead included)")
    models = []
    for t in threads:
        models.append(whole_model(t))
        if not as_json:
            print_whole_model(models[-1])
    return dict(small_calls=small, whole_model=models)
