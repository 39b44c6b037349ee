"""The command line: ``python -m winit COMMAND`` or the ``winit`` console script.

Commands: ``info`` (this installation), ``demo`` (the Keras main job,
winit/keras/_demo.py), ``bench`` (winit/_bench.py), ``sample`` (one scheme's values,
printed or saved to ``.npy``). ``COMMAND --help`` describes each. Bad arguments exit
with status 2 and a one-line message, never a traceback."""
from __future__ import annotations

import argparse
import ast
import json
import math
import os
import sys
from typing import Any

EPILOG = """examples:
  winit info
  winit sample glorot_uniform --shape 3,4 --seed 1
  winit sample sparse_init --shape 256,512 --seed 0 --param sparsity=0.9 --out w.npy
  winit bench --quick --no-keras --json
  winit demo --epochs 4
"""


def _prog() -> str:
    return "winit" if os.path.basename(sys.argv[0] or "") == "winit" else "python -m winit"


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    """The top-level parser (``sample`` and ``info`` are parsed here; ``demo`` and
    ``bench`` hand their arguments to their own parsers)."""
    import winit
    prog = prog or _prog()
    p = argparse.ArgumentParser(
        prog=prog, description="winit: fast, bit-reproducible neural-network weight "
        "initialization.", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"winit {winit.__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    info = sub.add_parser(
        "info", help="version, SIMD level, OpenMP threads, CUDA status, optional extras",
        description="What this installation of winit has: its version, the SIMD level in "
        "use and those available, OpenMP threads, the CUDA status (PyCUDA, driver, "
        "devices, kernels) and which optional extras are importable.")
    info.add_argument("--json", action="store_true", help="print it as JSON")
    sub.add_parser("demo", add_help=False,
                   help="train a small Keras model with winit initializers, save and reload "
                        "it (needs the demo extra; demo --help)")
    sub.add_parser("bench", add_help=False,
                   help="time winit against numpy, torch, jax and Keras (bench --help)")
    s = sub.add_parser(
        "sample", help="generate one scheme's values: print them or save a .npy",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Generate winit.SCHEME(shape, rng=SEED, dtype=DTYPE, **params) and print "
        "it, or save it to a .npy file.\n\nSchemes: " + ", ".join(sorted(winit.SCHEMES)) +
        "\nAliases: " + ", ".join(f"{a} ({n})" for a, n in sorted(winit.ALIASES.items())),
        epilog="--param values are Python literals (2, 0.5, 1e-3, (1, 2), 1+2j, inf); "
        "anything else is a string\n(mode=fan_out). The axis arguments in_axis, out_axis, "
        "batch_axis and layout are params too.\n\nexamples:\n"
        f"  {prog} sample normal --shape 2,3 --seed 1 --param std=0.02\n"
        f"  {prog} sample kaiming_normal --shape 64,3,3,3 --param layout=torch --param "
        "mode=fan_out --out k.npy\n"
        f"  {prog} sample truncated_normal --shape 100000,1024 --seed 7 --out big.npy "
        "# written in blocks")
    s.add_argument("scheme", metavar="SCHEME", help="a scheme name or alias (see above)")
    s.add_argument("--shape", required=True, type=_shape,
                   help="comma-separated dimensions: 3,4 (an empty string for a scalar)")
    s.add_argument("--seed", type=_seed, default=None,
                   help="int seed (default: fresh OS entropy; the seed drawn is reported "
                        "on stderr so the call can be repeated)")
    s.add_argument("--dtype", default="float32",
                   help="float32 (default), float64, float16, bfloat16, complex64, "
                        "complex128; integer/bool for the deterministic schemes")
    s.add_argument("--param", action="append", default=[], metavar="K=V", type=_param,
                   help="a scheme parameter, repeatable: --param gain=2 --param mode=fan_out")
    s.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    s.add_argument("--out", metavar="FILE.npy",
                   help="save to this .npy file instead of printing (large arrays of "
                        "shardable schemes are written block by block, with a progress bar)")
    s.add_argument("--block-mib", type=float, default=256.0, metavar="MIB",
                   help="with --out: write in blocks of about this many MiB (default 256)")
    s.add_argument("--full", action="store_true",
                   help="print every element (default: numpy's summary of large arrays)")
    s.add_argument("--precision", type=int, default=None,
                   help="digits printed after the decimal point (default: numpy's 8)")
    return p


# ------------------------------------------------------------------ argument types

def _shape(text: str) -> tuple[int, ...]:
    text = text.strip().strip("()[]")
    if not text:
        return ()
    try:
        dims = tuple(int(t) for t in text.split(",") if t.strip() != "")
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be comma-separated non-negative ints such as 3,4; got {text!r}") from None
    if any(d < 0 for d in dims):
        raise argparse.ArgumentTypeError(f"dimensions must be non-negative; got {text!r}")
    return dims


def _seed(text: str) -> int:
    try:
        v = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a non-negative int; got {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative int; got {text!r}")
    return v


_FLOATS = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf, "nan": math.nan}


def _value(text: str) -> Any:
    """A --param value: a Python literal, inf/nan, else the string itself."""
    t = text.strip()
    if t.lower() in _FLOATS:
        return _FLOATS[t.lower()]
    try:
        return ast.literal_eval(t)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return t


def _param(text: str) -> tuple[str, Any]:
    key, eq, value = text.partition("=")
    key = key.strip()
    if not eq or not key.isidentifier():
        raise argparse.ArgumentTypeError(f"must be NAME=VALUE (e.g. gain=2); got {text!r}")
    return key, _value(value)


# ------------------------------------------------------------------ info

def _extras() -> dict[str, dict[str, str | None]]:
    """extra -> {distribution: installed version or None}, from winit's own metadata
    (the extras of pyproject.toml), or a fixed list when winit runs uninstalled."""
    import importlib.metadata as md
    import re
    out: dict[str, dict[str, str | None]] = {}
    try:
        reqs = md.requires("winit") or []
    except md.PackageNotFoundError:
        reqs = []
    for r in reqs:
        m = re.search(r"""extra\s*==\s*['"]([^'"]+)['"]""", r)
        name = re.match(r"[A-Za-z0-9_.\-]+", r)
        if m and name:
            out.setdefault(m.group(1), {})[name.group(0)] = None
    if not out:
        out = {"keras": {"keras": None, "jax": None}, "dask": {"dask": None, "zarr": None},
               "cuda": {"pycuda": None}}
    for deps in out.values():
        for dist in deps:
            try:
                deps[dist] = md.version(dist)
            except md.PackageNotFoundError:
                deps[dist] = None
    return out


def info(as_json: bool = False) -> int:
    import winit
    from winit import _cuda, _progress
    extras = _extras()
    report: dict[str, Any] = dict(winit.config(), python=sys.version.split()[0],
                                  extras=extras, progress=_progress.backend())
    cuda = report["cuda"]
    if as_json:
        print(json.dumps(report, indent=1, default=str))
        return 0
    print(f"winit {winit.__version__} (Python {report['python']}, numpy "
          f"{_version('numpy')}, {os.path.dirname(winit.__file__)})")
    print(f"SIMD level: {report['simd_level']} (available: {', '.join(report['simd_available'])}"
          f"{'; capped by WINIT_SIMD=' + report['simd_env'] if report['simd_env'] else ''})")
    print(f"threads: {report['threads']} (OpenMP; set with OMP_NUM_THREADS or "
          "winit.set_num_threads)")
    print(_cuda.format_status(cuda))
    print("extras:")
    for extra, deps in sorted(extras.items()):
        have = all(v is not None for v in deps.values())
        print(f"  {extra:6s} {'yes' if have else 'no ':3s}  " + ", ".join(
            f"{d} {v}" if v else f"{d} (missing)" for d, v in deps.items()))
    print(f"progress bars: {report['progress']}")
    return 0


def _version(dist: str) -> str:
    import importlib.metadata as md
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return "?"


# ------------------------------------------------------------------ sample

class _UsageError(Exception):
    """A bad argument found after parsing: exit status 2 with this message."""


def sample(a: argparse.Namespace) -> int:
    import numpy as np

    import winit
    try:
        spec = winit.get_scheme(a.scheme)
    except ValueError:
        raise _UsageError(
            f"unknown scheme {a.scheme!r}; valid schemes: {', '.join(sorted(winit.SCHEMES))} "
            f"(aliases: {', '.join(sorted(winit.ALIASES))})") from None
    params = dict(a.param)
    for bad, use in (("rng", "--seed"), ("seed", "--seed"), ("dtype", "--dtype"),
                     ("device", "--device"), ("out", "--out"), ("shape", "--shape"),
                     ("region", "winit.<scheme>(..., region=) in Python")):
        if bad in params:
            raise _UsageError(f"--param {bad}=... is not a scheme parameter; use {use}")
    seed = a.seed
    if seed is None and spec.random:
        seed = winit.Generator(None).entropy  # Generator(entropy) has the same key
    kw = dict(params, dtype=a.dtype, rng=seed, device=a.device)
    if a.out and a.device == "cpu" and _save_blocks(spec, a.shape, kw, a.out, a.block_mib):
        _report_seed(a, seed)
        return 0
    try:
        arr = spec.fn(a.shape, **kw)
    except (ValueError, TypeError) as e:
        raise _UsageError(str(e)) from None
    _report_seed(a, seed)
    if hasattr(arr, "get"):  # a GPU array: the same bits, on the host
        arr = arr.get()
    arr = np.asarray(arr)
    if a.out:
        _save(arr, a.out)
        return 0
    opts: dict[str, Any] = {}
    if a.full:
        opts["threshold"] = sys.maxsize
    if a.precision is not None:
        opts["precision"] = a.precision
    with np.printoptions(**opts):
        print(arr)
    return 0


def _report_seed(a: argparse.Namespace, seed: int | None) -> None:
    if a.seed is None and seed is not None:
        print(f"{_prog()} sample: no --seed given; drew --seed {seed} (pass it to repeat "
              "these values)", file=sys.stderr)


def _npy_path(path: str) -> str:
    return path if path.endswith(".npy") else path + ".npy"


def _bf16_note(dtype: Any, path: str) -> None:
    if str(dtype) == "bfloat16":
        print(f"note: {path} holds bfloat16 as raw 2-byte values (.npy has no bfloat16): "
              "np.load(path).view(ml_dtypes.bfloat16)", file=sys.stderr)


def _save(arr: Any, path: str) -> None:
    import numpy as np
    path = _npy_path(path)
    np.save(path, arr)
    _bf16_note(arr.dtype, path)
    print(f"wrote {path}: shape {arr.shape}, {arr.dtype}", file=sys.stderr)


def _save_blocks(spec: Any, shape: tuple[int, ...], kw: dict[str, Any], path: str,
                 block_mib: float) -> Any:
    """A large array of a shardable scheme, written to ``path`` block by block along
    axis 0 (each block generated with ``region=`` straight into the memory-mapped
    file: the tensor is never held in memory). Returns None when the array is small
    or the scheme is not shardable (the caller then generates it whole)."""
    import numpy as np

    from winit import _progress
    from winit import _validate as V
    try:
        dt = V.dtype(kw["dtype"], spec.dtypes)
        full = V.shape(shape)
    except (ValueError, TypeError) as e:
        raise _UsageError(str(e)) from None
    nbytes = math.prod(full) * dt.itemsize
    if not spec.shardable or len(full) == 0 or nbytes <= block_mib * 2**20 or full[0] < 2:
        return None
    # validate every argument on an empty block first (same errors as the whole call)
    try:
        spec.fn(full, region=(slice(0, 0),), **kw)
    except (ValueError, TypeError) as e:
        raise _UsageError(str(e)) from None
    row = nbytes // full[0]
    step = max(1, int(block_mib * 2**20 // max(row, 1)))
    path = _npy_path(path)
    mm = np.lib.format.open_memmap(path, mode="w+", dtype=dt, shape=full)
    starts = range(0, full[0], step)
    with _progress.progress(len(starts), f"writing {os.path.basename(path)}",
                            unit="block") as bar:
        for i in starts:
            j = min(i + step, full[0])
            spec.fn(full, region=(slice(i, j),), out=mm[i:j], **kw)
            bar.update()
    mm.flush()
    del mm
    _bf16_note(dt, path)
    print(f"wrote {path}: shape {full}, {dt}, {len(starts)} blocks", file=sys.stderr)
    return path


# ------------------------------------------------------------------ main

def main(argv: list[str] | None = None) -> int:
    """Run one command; returns its exit status (0 ok, 1 failed, 2 bad arguments)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "bench":
        from ._bench import main as bench
        return bench(argv[1:])
    if argv and argv[0] == "demo":
        return _demo(argv[1:])
    parser = build_parser()
    if not argv:
        parser.print_help(sys.stderr)
        return 2
    try:
        a = parser.parse_args(argv)
    except SystemExit as e:  # argparse: --help/--version (0) or a usage error (2)
        return int(e.code or 0)
    try:
        if a.command == "info":
            return info(as_json=a.json)
        if a.command == "sample":
            return sample(a)
    except _UsageError as e:
        sub = f"{parser.prog} {a.command}"
        print(f"usage: {sub} ... (see {sub} --help)\n{sub}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    parser.print_help(sys.stderr)
    return 2


DEMO_NEEDS = {"keras": "keras", "sklearn": "scikit-learn"}
BACKEND_PACKAGE = {"jax": "jax", "torch": "torch", "tensorflow": "tensorflow"}


def _demo(argv: list[str]) -> int:
    """python -m winit demo: train a small Keras model with winit initializers on
    scikit-learn's digits, save it, reload it in a fresh process (winit/keras/_demo.py)."""
    import argparse
    import importlib.util
    import os
    p = argparse.ArgumentParser(prog="python -m winit demo", description=_demo.__doc__)
    p.add_argument("--backend", choices=sorted(BACKEND_PACKAGE),
                   help="Keras backend (default: $KERAS_BACKEND, else jax)")
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--out", metavar="DIR", help="keep the saved model and data in DIR")
    p.add_argument("--quiet", action="store_true", help="no per-epoch lines")
    p.add_argument("--reload", nargs=3, metavar=("MODEL", "X", "OUT"), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    # the backend is fixed when keras is first imported: pin it before that
    backend = a.backend or os.environ.get("KERAS_BACKEND") or "jax"
    os.environ["KERAS_BACKEND"] = backend
    need = dict(DEMO_NEEDS, **{backend: BACKEND_PACKAGE.get(backend, backend)})
    missing = [pkg for mod, pkg in need.items() if importlib.util.find_spec(mod) is None]
    if missing:
        print(f"python -m winit demo needs {', '.join(missing)}: install the demo extra, "
              f"pip install -e \".[demo]\" (Keras, jax, scikit-learn)", file=sys.stderr)
        return 1
    from .keras import _demo as demo
    if a.reload:
        demo.reload_and_predict(*a.reload)
        return 0
    return demo.main(epochs=a.epochs, out_dir=a.out, quiet=a.quiet)


if __name__ == "__main__":
    sys.exit(main())
