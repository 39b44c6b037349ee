"""``python -m winit bench``: winit at each SIMD level against numpy, torch and jax in
one run; prints ns/element and ratios (peer time / winit time at the best level).

Every level gives the same bits; the table shows what each costs. Options:
``--simd portable,avx2`` picks levels (default: all this CPU has), ``--threads 1,2``,
``--sizes``, ``--dists``, ``--dtypes``, ``--quick`` (1M elements), ``--json``."""
from __future__ import annotations

import gc
import json
import math
import time
from contextlib import contextmanager
from typing import Any
from collections.abc import Callable, Iterator, Sequence

import numpy as np

import winit
from winit import _bench_calls
from winit._core import _core


# --help's description: plain text (the module docstring above is reST, for the docs)
DESCRIPTION = ("winit at each SIMD level against numpy, torch and jax in one run; prints "
               "ns/element and ratios (peer time / winit time at the best level). Every level "
               "gives the same bits; the table shows what each costs.")


def _best(fn: Callable[[], Any], reps: int, budget: float = 2.0) -> float:
    """Best wall time of ``reps`` calls (fewer when one call is slow)."""
    fn()  # warm up
    best = math.inf
    start = time.perf_counter()
    for _ in range(reps):
        gc.disable()
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
        gc.enable()
        if time.perf_counter() - start > budget:
            break
    return best


def _peers(n: int, dist: str, dt: str) -> dict[str, Callable[[], Any]]:
    """Peer generators for the same job, each writing a preallocated buffer when it can."""
    out: dict[str, Callable[[], Any]] = {}
    g: Any = np.random.Generator(np.random.PCG64(1))  # (dtype given as a runtime string)
    buf = np.empty(n, dt)
    if dist == "uniform":
        out["numpy"] = lambda: g.random(n, dtype=dt, out=buf)
    elif dist == "normal":
        out["numpy"] = lambda: g.standard_normal(n, dtype=dt, out=buf)
    else:
        from scipy import stats  # numpy has no truncated normal: scipy's is the standard one
        if n <= 1 << 20:
            out["scipy"] = lambda: stats.truncnorm.rvs(-2, 2, size=n, random_state=g)
    try:
        import torch
        tdt = getattr(torch, dt)
        t = torch.empty(n, dtype=tdt)
        tg = torch.Generator().manual_seed(1)
        if dist == "uniform":
            out["torch"] = lambda: t.uniform_(generator=tg)
        elif dist == "normal":
            out["torch"] = lambda: t.normal_(generator=tg)
        else:
            out["torch"] = lambda: torch.nn.init.trunc_normal_(t, generator=tg)
    except ImportError:
        pass
    try:
        import jax
        jax.config.update("jax_enable_x64", True)  # type: ignore[no-untyped-call]
        key = jax.random.key(1)
        f: Any = {"uniform": jax.random.uniform, "normal": jax.random.normal,
             "truncnorm": lambda k, shape, dtype: jax.random.truncated_normal(k, -2.0, 2.0, shape, dtype)}[dist]
        jf = jax.jit(lambda k: f(k, (n,), dtype=getattr(jax.numpy, dt)))
        out["jax"] = lambda: jf(key).block_until_ready()
    except ImportError:
        pass
    return out


FNS = {"uniform": lambda **k: winit.uniform(**k), "normal": lambda **k: winit.normal(**k),
       "truncnorm": lambda **k: winit.truncated_normal(**k)}


def run(sizes: tuple[int, ...] = (1 << 20, 1 << 24), threads: tuple[int, ...] = (1, 2),
        dists: tuple[str, ...] = ("uniform", "normal", "truncnorm"),
        dtypes: tuple[str, ...] = ("float32", "float64"), levels: Sequence[str] | None = None,
        peers: bool = True, as_json: bool = False,
        progress: bool = True) -> list[dict[str, Any]]:
    """One row per (job, n, dtype, threads): ns/element at each SIMD level, and peers'
    ns/element with their ratio to winit's best level."""
    from winit._progress import progress as _bar
    levels = tuple(levels or _core.simd_available())
    before = _core.simd_level()
    rows: list[dict[str, Any]] = []
    # a progress bar on stderr (tqdm/rich if installed, a terminal only): one step a row
    total = len(sizes) * (1 + len(dists) * len(dtypes) * len(threads))
    with _bar(total, "bench", unit="row", enable=None if progress else False) as bar, \
            _restore(before):
        for n in sizes:
            reps = 5 if n <= 1 << 20 else 3
            ref = np.empty(n, np.float32)
            floor = _best(lambda: ref.fill(1.0), reps) / n * 1e9
            rows.append(dict(job="alloc+write floor", n=n, dtype="float32", threads=1,
                             ns={"numpy fill": floor}))
            if progress and not as_json:
                bar.write(f"{'write floor':10s} {'float32':8s} n={n:>9d} thr=1  ndarray.fill "
                          f"{floor:7.3f} ns/el")
            bar.update()
            for dist in dists:
                for dt in dtypes:
                    out = np.empty(n, dt)
                    peer_ns = ({name: _best(f, reps) / n * 1e9
                                for name, f in _peers(n, dist, dt).items()} if peers else {})
                    for t in threads:
                        winit.set_num_threads(t)
                        ns = {}
                        for lv in levels:
                            if _core.set_simd_level(lv) != lv:
                                continue
                            ns[lv] = _best(lambda: FNS[dist](shape=(n,), dtype=dt, rng=1, out=out),
                                           reps) / n * 1e9
                        best = min(ns.values())
                        rows.append(dict(job=dist, n=n, dtype=dt, threads=t, ns=ns,
                                         peers={k: dict(ns=v, ratio=v / best)
                                                for k, v in peer_ns.items()}))
                        if progress and not as_json:
                            _print_row(rows[-1], bar.write)
                        bar.update()
                    winit.set_num_threads(0)
    return rows


@contextmanager
def _restore(level: str) -> Iterator[None]:
    """Put the SIMD level and thread count back however the block exits."""
    try:
        yield
    finally:
        _core.set_simd_level(level)
        winit.set_num_threads(0)


def _print_row(r: dict[str, Any], write: Callable[[str], None] = print) -> None:
    lv = "  ".join(f"{k} {v:7.3f}" for k, v in r["ns"].items())
    peers = "  ".join(f"{k} {v['ns']:7.3f} ({v['ratio']:5.1f}x)" for k, v in r.get("peers", {}).items())
    write(f"{r['job']:10s} {r['dtype']:8s} n={r['n']:>9d} thr={r['threads']}  {lv}  |  {peers}")


def main(argv: list[str] | None = None) -> int:
    import argparse
    p = argparse.ArgumentParser(prog="python -m winit bench", description=DESCRIPTION)
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--quick", action="store_true", help="1M elements only")
    p.add_argument("--simd", help="comma-separated SIMD levels (default: every level this CPU has)")
    p.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    p.add_argument("--sizes", help="comma-separated element counts (default 1M and 16M)")
    p.add_argument("--dists", default="uniform,normal,truncnorm",
                   help="comma-separated distributions among uniform, normal, truncnorm "
                        "(default: all three)")
    p.add_argument("--dtypes", default="float32,float64",
                   help="comma-separated dtypes (default float32,float64)")
    p.add_argument("--no-peers", action="store_true", help="time winit only")
    p.add_argument("--keras", action="store_true",
                   help="only the Keras section: winit.keras vs Keras' own initializers on a "
                        "(4096, 4096) float32 kernel, one subprocess per backend")
    p.add_argument("--no-keras", action="store_true", help="skip the Keras section")
    p.add_argument("--calls", action="store_true",
                   help="only the small-calls and whole-model sections (per-call overhead vs "
                        "numpy and torch; GPT-2 small vs torch's in-place init)")
    p.add_argument("--no-calls", action="store_true", help="skip the small-calls section")
    p.add_argument("--no-jax", action="store_true",
                   help="skip the winit.jax section (vs jax.nn.initializers, a Flax init)")
    p.add_argument("--torch", action="store_true",
                   help="only the torch section: winit.torch vs torch.nn.init on a (4096, 4096) "
                        "float32 tensor, and whole-model init (GPT-2 small, a LLaMA-style 1B)")
    p.add_argument("--no-torch", action="store_true",
                   help="skip the torch section (--no-peers skips it too)")
    a = p.parse_args(argv)
    threads = _counts(p, "--threads", a.threads)
    doc: dict[str, Any] = {}  # --json: one document of every section run
    if a.keras:
        doc["keras"] = keras_run(as_json=a.json)
    elif a.calls:
        doc.update(_bench_calls.run(threads, as_json=a.json))
    elif a.torch:
        doc["torch"] = torch_run(threads, a.quick, a.json)
    else:
        doc.update(_main_sections(a, p, threads))
    if a.json:
        print(json.dumps(doc, indent=1))
    return 0


def _counts(p: Any, opt: str, text: str) -> tuple[int, ...]:
    """A comma-separated list of positive ints, or a usage error naming the option."""
    try:
        vals = tuple(int(float(v)) for v in text.split(","))
    except (ValueError, OverflowError):
        vals = ()
    if not vals or min(vals) < 1:
        p.error(f"argument {opt}: must be comma-separated positive ints; got {text!r}")
    return vals


def _main_sections(a: Any, p: Any, threads: tuple[int, ...]) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    levels = a.simd.split(",") if a.simd else None
    for lv in levels or ():
        if lv not in _core.SIMD_LEVELS:
            p.error(f"unknown SIMD level {lv!r}; one of {', '.join(_core.SIMD_LEVELS)}")
    for opt, text, valid in (("--dists", a.dists, tuple(FNS)),
                             ("--dtypes", a.dtypes, ("float32", "float64"))):
        for v in text.split(","):
            if v not in valid:
                p.error(f"argument {opt}: unknown {v!r}; one of {', '.join(valid)}")
    sizes = ((1 << 20,) if a.quick else _counts(p, "--sizes", a.sizes) if a.sizes else
             (1 << 20, 1 << 24))
    if not a.json:
        print(f"winit {winit.__version__}  SIMD levels {', '.join(levels or _core.simd_available())}  "
              f"(ns/element per level  |  peer ns/element (ratio = peer / best winit level))")
    doc["simd"] = list(levels or _core.simd_available())
    doc["rows"] = run(sizes=sizes, threads=threads, dists=tuple(a.dists.split(",")),
                      dtypes=tuple(a.dtypes.split(",")), levels=levels, peers=not a.no_peers,
                      as_json=a.json)
    if not a.no_calls:
        doc.update(_bench_calls.run(threads, as_json=a.json))
    if not a.no_keras:
        doc["keras"] = keras_run(as_json=a.json)
    if not (a.no_jax or a.no_peers):  # a peer comparison: --no-peers skips it too
        import importlib.util
        if importlib.util.find_spec("jax") is not None:
            from winit.jax._bench import section  # (winit/jax/_bench.py: its own docstring)
            doc["jax"] = section(as_json=a.json)
        elif not a.json:
            print("\nJAX section skipped: jax is not installed (pip install -e '.[jax]')")
    if not (a.no_torch or a.no_peers):  # the torch section is all comparison with a peer
        doc["torch"] = torch_run(threads, a.quick, a.json)
    return doc


def torch_run(threads: tuple[int, ...] = (1, 2), quick: bool = False,
              as_json: bool = False) -> list[dict[str, Any]]:
    """The torch section (winit/torch/_bench.py); skipped when torch is not installed."""
    import importlib.util
    if importlib.util.find_spec("torch") is None:
        if not as_json:
            print("\ntorch section skipped: torch is not installed (pip install -e '.[torch]')")
        return []
    from winit.torch._bench import section
    return section(threads=threads, quick=quick, as_json=as_json)


# ------------------------------------------------------------------ Keras section
# winit.keras initializers against Keras' own on a (4096, 4096) float32 kernel, the
# conversion to the backend tensor included, one subprocess per backend (KERAS_BACKEND
# is fixed when Keras is first imported). Each row also splits winit's call into
# generation (the C core into a 64-byte aligned buffer) and conversion, and shows what
# Keras' generic conversion of an unaligned array would cost instead.

KERAS_BACKENDS = ("jax", "torch", "tensorflow")


def keras_run(backends: tuple[str, ...] = KERAS_BACKENDS, size: int = 4096,
              as_json: bool = False) -> list[dict[str, Any]]:
    import importlib.util
    results: list[dict[str, Any]] = []
    if importlib.util.find_spec("keras") is None:
        if not as_json:
            print("\nKeras section skipped: keras is not installed (pip install -e '.[keras]')")
        return results
    if not as_json:
        print(f"\nKeras: one initializer call on a ({size}, {size}) float32 kernel, conversion "
              "to the backend tensor included (ms, best of a few)")
    from winit._progress import progress as _bar
    have = [b for b in backends if importlib.util.find_spec(b) is not None]
    with _bar(len(have), "bench: Keras", unit="backend") as bar:
        for b in backends:
            if b in have:
                _keras_backend(b, size, as_json, results, bar.write)
                bar.update()
            elif not as_json and b != "tensorflow":
                bar.write(f"  {b}: not installed, skipped")
    return results


def _keras_backend(b: str, size: int, as_json: bool, results: list[dict[str, Any]],
                   write: Callable[[str], None]) -> None:
    """One backend's Keras timings, in a subprocess (KERAS_BACKEND is per process)."""
    import os
    import subprocess
    import sys
    env = dict(os.environ, KERAS_BACKEND=b, TF_CPP_MIN_LOG_LEVEL="3")
    code = f"from winit._bench import _keras_child; _keras_child({size})"
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    if r.returncode or not lines:
        print(f"  {b}: failed\n{(r.stdout + r.stderr)[-2000:]}", file=sys.stderr)
        return
    res = json.loads(lines[-1])
    results.append(res)
    if not as_json:
        _print_keras(res, write)


def _best_pair(f: Callable[[], Any], g: Callable[[], Any], reps: int,
               budget: float) -> tuple[float, float]:
    """Best wall times of f and g called alternately (after one warm-up call each)."""
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


def _keras_child(size: int = 4096) -> None:
    """In a process whose KERAS_BACKEND is set: time the cases, print one JSON line."""
    import keras

    import winit.keras as wk
    from winit.keras._backend import _empty_aligned, to_tensor

    backend = keras.backend.backend()
    shape = (size, size)
    f32 = np.dtype(np.float32)
    if backend == "jax":
        def sync(x: Any) -> Any:
            return x.block_until_ready()
    else:
        def sync(x: Any) -> Any:
            return x
    K = keras.initializers
    cases = [("GlorotUniform", wk.GlorotUniform(seed=1), K.GlorotUniform(seed=1)),
             ("HeNormal", wk.HeNormal(seed=1), K.HeNormal(seed=1)),
             ("HeNormal truncated", wk.HeNormal(distribution="truncated_normal", seed=1),
              K.HeNormal(seed=1)),
             ("Orthogonal", wk.Orthogonal(seed=1), K.Orthogonal(seed=1))]
    rows = []
    for name, w, k in cases:
        budget = 6.0 if name == "Orthogonal" else 2.0
        # winit and Keras alternate, so both see the same machine load
        total, theirs = _best_pair(lambda: sync(w(shape, "float32")),
                                   lambda: sync(k(shape, "float32")), 5, budget * 3)
        # generation as the call does it: into a fresh aligned buffer (first-touch page
        # faults included), and into a reused one (the page faults excluded)
        gen = _best(lambda: w._winit(shape, dtype=f32, rng=1, out=_empty_aligned(shape, f32)),
                    5, budget)
        out = _empty_aligned(shape, f32)
        gen_reused = _best(lambda: w._winit(shape, dtype=f32, rng=1, out=out), 5, budget)
        conv = _best(lambda: sync(to_tensor(out, "float32")), 5)
        raw = np.empty(out.nbytes + 64 + 16, np.uint8)  # deliberately misaligned copy
        off = (-raw.ctypes.data) % 64 + 16
        unaligned = raw[off:off + out.nbytes].view(f32).reshape(shape)
        unaligned[...] = out
        generic = _best(lambda: sync(keras.ops.convert_to_tensor(unaligned, dtype="float32")), 5)
        rows.append(dict(case=name, winit_ms=total * 1e3, gen_ms=gen * 1e3,
                         gen_reused_ms=gen_reused * 1e3, conv_ms=conv * 1e3,
                         generic_conv_ms=generic * 1e3, keras_ms=theirs * 1e3,
                         speedup=theirs / total))
    print(json.dumps(dict(backend=backend, keras=keras.__version__, size=size,
                          threads=winit.get_num_threads(), simd=_core.simd_level(), rows=rows)))


def _print_keras(res: dict[str, Any], write: Callable[[str], None] = print) -> None:
    write(f"  {res['backend']} backend (Keras {res['keras']}, winit {res['threads']} threads, "
          f"SIMD {res['simd']}):")
    write(f"    {'case':20s} {'winit.keras':>11s} {'= generate':>11s} {'+ convert':>10s} "
          f"{'Keras own':>10s} {'speedup':>8s}   generate into a reused buffer (no page "
          f"faults); Keras' generic convert of an unaligned array")
    for r in res["rows"]:
        write(f"    {r['case']:20s} {r['winit_ms']:11.1f} {r['gen_ms']:11.1f} {r['conv_ms']:10.2f} "
              f"{r['keras_ms']:10.1f} {r['speedup']:7.1f}x   {r['gen_reused_ms']:.1f}; "
              f"{r['generic_conv_ms']:.1f}")
