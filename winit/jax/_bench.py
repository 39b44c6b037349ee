"""The JAX section of ``python -m winit bench``: ``winit.jax`` against
``jax.nn.initializers`` on the CPU, both jitted, in one run.

- a (4096, 4096) float32 kernel: glorot_uniform, he_normal, truncated_normal, orthogonal;
  winit.jax jitted (a host callback writing XLA's buffer) and eager (a host array wrapped
  without a copy), JAX's initializer jitted; ms per call (best of a few, both sides
  alternating so they see the same load), ns/element, ratio = JAX / winit;
- a Flax linen model's whole ``jax.jit(model.init)`` (a small transformer, ~350 MiB of
  float32 parameters) with winit.jax's initializers against JAX's: the first call
  (tracing and compiling included) and the steady state.

Each thread count runs in its own subprocess (XLA's CPU thread pool is fixed when jax
starts): ``threads=1`` sets ``OMP_NUM_THREADS=1`` for winit and XLA's single-thread flags;
``threads=0`` leaves both at their defaults (all cores)."""
from __future__ import annotations

import gc
import importlib
import importlib.util
import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

__all__ = ["section", "child"]

SIZE = 4096
CASES = ("glorot_uniform", "he_normal", "truncated_normal", "orthogonal")
XLA_ONE_THREAD = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


def _best_pair(f: Callable[[], Any], g: Callable[[], Any], reps: int,
               budget: float) -> tuple[float, float]:
    """Best wall times of f and g called alternately, after one warm-up call each."""
    f()
    g()
    bf = bg = math.inf
    start = time.perf_counter()
    for _ in range(reps):
        for which, fn in ((0, f), (1, g)):
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


def _ready(f: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    """A call of ``f(*args)`` that waits for the result's buffers (jax is asynchronous)."""
    def call() -> Any:
        jax: Any = importlib.import_module("jax")
        return jax.block_until_ready(f(*args))
    return call


def _model(inits: Any, vocab: int = 32_000, d: int = 1024, layers: int = 2) -> Any:
    """A linen transformer-like stack whose initializers come from ``inits`` (the module
    jax.nn.initializers or winit.jax): token embedding, per layer q/k/v/o projections and
    a 4x MLP, layer norms, an output head."""
    import flax.linen as nn

    class Block(nn.Module):
        @nn.compact
        def __call__(self, x: Any) -> Any:
            k = inits.lecun_normal()
            h = nn.LayerNorm()(x)
            q, kk, v = (nn.Dense(d, kernel_init=k, bias_init=inits.zeros)(h) for _ in range(3))
            x = x + nn.Dense(d, kernel_init=k)(q * kk * v)
            h = nn.LayerNorm()(x)
            h = nn.Dense(4 * d, kernel_init=inits.he_normal())(h)
            return x + nn.Dense(d, kernel_init=inits.glorot_uniform())(h)

    class Net(nn.Module):
        @nn.compact
        def __call__(self, tokens: Any) -> Any:
            x = nn.Embed(vocab, d, embedding_init=inits.normal(0.02))(tokens)
            for _ in range(layers):
                x = Block()(x)
            return nn.Dense(vocab, kernel_init=inits.truncated_normal(0.02))(x)

    return Net()


def child(as_json: bool = True) -> dict[str, Any]:
    """In a process whose thread settings are fixed: time the cases, print one JSON line."""
    jax: Any = importlib.import_module("jax")
    jnp: Any = jax.numpy

    import winit
    import winit.jax as wj

    JI = jax.nn.initializers
    key = jax.random.key(1)
    shape = (SIZE, SIZE)
    n = SIZE * SIZE
    rows = []
    for name in CASES:
        ours, theirs = getattr(wj, name)(), getattr(JI, name)()
        wjit = jax.jit(lambda k, i=ours: i(k, shape, jnp.float32))
        jjit = jax.jit(lambda k, i=theirs: i(k, shape, jnp.float32))
        budget = 30.0 if name == "orthogonal" else 6.0  # orthogonal: seconds a call
        reps = 2 if name == "orthogonal" else 5
        tw, tj = _best_pair(_ready(wjit, key), _ready(jjit, key), reps, budget)
        te, _ = _best_pair(_ready(ours, key, shape, jnp.float32), lambda: None, reps, budget / 2)
        rows.append(dict(case=name, winit_jit_ms=tw * 1e3, winit_eager_ms=te * 1e3,
                         jax_ms=tj * 1e3, winit_ns=tw / n * 1e9, jax_ns=tj / n * 1e9,
                         ratio=tj / tw, ratio_eager=tj / te))
    flax = _flax_rows(key)
    res = dict(jax=jax.__version__, threads=winit.get_num_threads(),
               xla_flags=os.environ.get("XLA_FLAGS", ""), size=SIZE, rows=rows, flax=flax)
    if as_json:
        print(json.dumps(res))
    return res


def _flax_rows(key: Any) -> dict[str, Any] | None:
    if importlib.util.find_spec("flax") is None:
        return None
    jax: Any = importlib.import_module("jax")
    jnp: Any = jax.numpy

    import winit.jax as wj

    tokens = jnp.zeros((1, 8), jnp.int32)
    out: dict[str, Any] = {}
    for tag, inits in (("winit", wj), ("jax", jax.nn.initializers)):
        init = jax.jit(_model(inits).init)
        t = time.perf_counter()
        params = init(key, tokens)
        jax.block_until_ready(params)
        first = time.perf_counter() - t
        steady, _ = _best_pair(_ready(init, key, tokens), lambda: None, 2, 10.0)
        nbytes = sum(x.nbytes for x in jax.tree.leaves(params))
        out[tag] = dict(first_s=first, steady_s=steady, mbytes=nbytes / 2**20,
                        n_params=sum(x.size for x in jax.tree.leaves(params)))
        del params
    out["ratio_first"] = out["jax"]["first_s"] / out["winit"]["first_s"]
    out["ratio_steady"] = out["jax"]["steady_s"] / out["winit"]["steady_s"]
    return out


def _run_child(threads: int) -> dict[str, Any] | str:
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    if threads == 1:
        env.update(OMP_NUM_THREADS="1", XLA_FLAGS=XLA_ONE_THREAD)
    r = subprocess.run([sys.executable, "-c", "from winit.jax._bench import child; child()"],
                       env=env, capture_output=True, text=True)
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    if r.returncode or not lines:
        return (r.stdout + r.stderr)[-2000:]
    return dict(json.loads(lines[-1]), requested_threads=threads)


def section(threads: tuple[int, ...] = (1, 0), as_json: bool = False,
            write: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Run the JAX section (one subprocess per thread count); prints the table unless
    ``as_json`` and returns the results (``python -m winit bench --json`` puts them in its
    one document under "jax"). Skipped, with a line saying so, when jax is not
    installed."""
    if importlib.util.find_spec("jax") is None:
        if not as_json:
            write("\nJAX section skipped: jax is not installed (pip install -e '.[jax]')")
        return []
    if not as_json:
        write(f"\nJAX: winit.jax vs jax.nn.initializers on the CPU, a ({SIZE}, {SIZE}) float32 "
              "kernel, both jitted (ms per call, best of a few; ratio = JAX / winit)")
    results = []
    for t in threads:
        res = _run_child(t)
        if isinstance(res, str):
            write(f"  threads={t or 'default'}: failed\n{res}")
            continue
        results.append(res)
        if not as_json:
            _print(res, write)
    return results


def _print(res: dict[str, Any], write: Callable[[str], None]) -> None:
    label = "1 thread (winit and XLA)" if res["requested_threads"] == 1 else \
        f"default threads (winit {res['threads']}, XLA's pool)"
    write(f"  jax {res['jax']}, {label}:")
    write(f"    {'case':18s} {'winit jit':>10s} {'eager':>8s} {'jax jit':>9s} "
          f"{'ns/el winit':>12s} {'jax':>7s} {'ratio':>7s}")
    for r in res["rows"]:
        write(f"    {r['case']:18s} {r['winit_jit_ms']:10.1f} {r['winit_eager_ms']:8.1f} "
              f"{r['jax_ms']:9.1f} {r['winit_ns']:12.2f} {r['jax_ns']:7.2f} {r['ratio']:6.1f}x")
    f = res.get("flax")
    if not f:
        write("    Flax model row skipped: flax is not installed (pip install -e '.[jax]')")
    else:
        w, j = f["winit"], f["jax"]
        write(f"    Flax linen model init ({w['n_params'] / 1e6:.0f}M parameters, "
              f"{w['mbytes']:.0f} MiB), jax.jit(model.init): first call (compile included) "
              f"winit {w['first_s']:.2f} s vs jax {j['first_s']:.2f} s ({f['ratio_first']:.1f}x); "
              f"steady winit {w['steady_s']:.2f} s vs jax {j['steady_s']:.2f} s "
              f"({f['ratio_steady']:.1f}x)")
