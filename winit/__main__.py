"""The command line: ``python -m winit COMMAND`` or the ``winit`` console script.

Commands: ``info`` (this installation), ``demo`` (the Keras main job,
winit/keras/_demo.py), ``bench`` (winit/_bench.py), ``sample`` (one scheme's values,
printed or saved to ``.npy``). ``COMMAND --help`` describes each. Failures end with a
one-line ``error:`` message naming the option and the value, never a traceback: exit
status 2 for bad arguments, 1 when this machine cannot do it (memory, disk space, the
output file, no GPU), 130 when interrupted (143 on SIGTERM); a partial output file is
never left behind. ``WINIT_TRACEBACK=1`` shows the traceback of an unexpected error."""
from __future__ import annotations

import argparse
import ast
import contextlib
import json
import math
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

from ._cli_sample import EnvError, Terminated, UsageError, sample
from ._cli_sample import prog as _prog

EPILOG = """examples:
  winit info
  winit sample glorot_uniform --shape 3,4 --seed 1
  winit sample sparse_init --shape 256,512 --seed 0 --param sparsity=0.9 --out w.npy
  winit bench --quick --no-keras --json
  winit demo --epochs 4
"""


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
    s.add_argument("--block-mib", type=_block_mib, default=256.0, metavar="MIB",
                   help="with --out: write in blocks of about this many MiB (default 256)")
    s.add_argument("--full", action="store_true",
                   help="print every element (default: numpy's summary of large arrays)")
    s.add_argument("--precision", type=_precision, default=None,
                   help="digits printed after the decimal point, 0 to 1000 (default: numpy's 8)")
    return p


# ------------------------------------------------------------------ argument types

def _shape(text: str) -> tuple[int, ...]:
    text = text.strip().strip("()[]")
    if not text:
        return ()
    parts = text.split(",")
    if len(parts) > 1 and parts[-1].strip() == "":
        parts.pop()  # "3," is (3,), as in Python
    try:
        dims = tuple(int(t) for t in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be comma-separated non-negative ints such as 3,4; got {text!r}") from None
    if any(d < 0 for d in dims):
        raise argparse.ArgumentTypeError(f"dimensions must be non-negative; got {text!r}")
    if len(dims) > 64:
        raise argparse.ArgumentTypeError(f"at most 64 dimensions (numpy's limit); got {len(dims)}")
    return dims


def _number(parse: Callable[[str], Any], ok: Callable[[Any], bool], what: str
            ) -> Callable[[str], Any]:
    """An argparse type: ``parse(text)`` when it succeeds and ``ok`` holds, else an
    error saying what is expected."""
    def check(text: str) -> Any:
        try:
            v = parse(text)
        except ValueError:
            v = None
        if v is None or not ok(v):
            raise argparse.ArgumentTypeError(f"must be {what}; got {text!r}")
        return v
    return check


_seed = _number(lambda t: int(t, 0), lambda v: v >= 0, "a non-negative int")
_block_mib = _number(float, lambda v: math.isfinite(v) and v > 0,
                     "a positive finite number of MiB")
_precision = _number(int, lambda v: 0 <= v <= 1000, "an int from 0 to 1000")


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
    print(_keras_line(report["keras"]))
    print(f"progress bars: {report['progress']}")
    return 0


def _keras_line(k: dict[str, Any]) -> str:
    """``winit info``'s Keras line: the backend ``import keras`` would load, where that
    comes from and whether it imports (found without importing Keras)."""
    if k["keras"] is None:
        return "keras: not installed (pip install 'winit[keras]' for winit.keras)"
    src = "Keras' default" if k["source"] == "default" else k["source"]
    line = f"keras: {k['keras']}, backend {k['backend']} (from {src}): "
    if k["installed"]:
        return line + f"{k['package']} installed"
    return line + f"NOT importable, `import keras` fails\n  {k['problem']}"


def _version(dist: str) -> str:
    import importlib.metadata as md
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return "?"


# ------------------------------------------------------------------ main

def _one_line(msg: object) -> str:
    return " ".join(str(msg).split())


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """SIGTERM raises Terminated in the main thread, so a partial output is removed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise Terminated()
    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old if old is not None else signal.SIG_DFL)


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns its exit status: 0 ok, 1 this machine cannot do it,
    2 bad arguments, 130 interrupted, 143 terminated (SIGTERM)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    sub = f"{_prog()} {argv[0] if argv else ''}".strip()
    with _sigterm_raises():
        try:
            return _main(argv)
        except UsageError as e:
            print(f"usage: {sub} ... (see {sub} --help)\n{sub}: error: {_one_line(e)}",
                  file=sys.stderr)
            return 2
        except EnvError as e:
            print(f"{sub}: error: {_one_line(e)}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print(f"{sub}: interrupted", file=sys.stderr)
            return 130
        except Terminated:
            print(f"{sub}: terminated (SIGTERM)", file=sys.stderr)
            return 143
        except Exception as e:
            if os.environ.get("WINIT_TRACEBACK"):
                raise
            print(f"{sub}: error: {type(e).__name__}: {_one_line(e)} (unexpected; "
                  "WINIT_TRACEBACK=1 shows the traceback)", file=sys.stderr)
            return 1


def _main(argv: list[str]) -> int:
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
    if a.command == "info":
        return info(as_json=a.json)
    if a.command == "sample":
        return sample(a)
    parser.print_help(sys.stderr)
    return 2


DEMO_NEEDS = {"keras": "keras", "sklearn": "scikit-learn"}


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        v = 0
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be a positive int; got {text!r}")
    return v


def _demo(argv: list[str]) -> int:
    """python -m winit demo: train a small Keras model with winit initializers on
    scikit-learn's digits, save it, reload it in a fresh process (winit/keras/_demo.py)."""
    import importlib.util

    from ._config import KERAS_BACKENDS, _installed
    p = argparse.ArgumentParser(prog=f"{_prog()} demo", description=_demo.__doc__)
    p.add_argument("--backend", choices=("jax", "tensorflow", "torch"),
                   help="Keras backend (default: $KERAS_BACKEND, else jax)")
    p.add_argument("--epochs", type=_positive_int, default=12, help="training epochs (12)")
    p.add_argument("--out", metavar="DIR", help="keep the saved model and data in DIR")
    p.add_argument("--quiet", action="store_true", help="no per-epoch lines")
    p.add_argument("--reload", nargs=3, metavar=("MODEL", "X", "OUT"), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    # the backend is fixed when keras is first imported: pin it before that
    source = "--backend" if a.backend else "KERAS_BACKEND" if os.environ.get(
        "KERAS_BACKEND") else None
    backend = a.backend or os.environ.get("KERAS_BACKEND") or "jax"
    missing = [pkg for mod, pkg in DEMO_NEEDS.items() if importlib.util.find_spec(mod) is None]
    if missing:
        raise EnvError(f"the demo needs {', '.join(missing)}: install the demo extra, "
                        "pip install -e \".[demo]\" (Keras, jax, scikit-learn)")
    package = KERAS_BACKENDS.get(backend)
    if package is None or not _installed(package):
        what = ("is not installed" if package else
                f"is not a Keras backend (one of {', '.join(KERAS_BACKENDS)})")
        have = ", ".join(b for b in ("jax", "torch", "tensorflow") if _installed(b)) or "none"
        raise EnvError(f"the Keras backend {backend!r} (from {source or 'the default'}) "
                        f"{what}; pass --backend with an installed one (installed: {have})")
    os.environ["KERAS_BACKEND"] = backend
    if a.out is not None and not a.reload:
        if os.path.exists(a.out) and not os.path.isdir(a.out):
            raise UsageError(f"--out {a.out!r} is not a directory")
        try:
            os.makedirs(a.out, exist_ok=True)
        except OSError as e:
            raise EnvError(f"--out {a.out}: {e.strerror or e}") from None
        if not os.access(a.out, os.W_OK):
            raise EnvError(f"--out {a.out}: the directory is not writable")
    from .keras import _demo as demo
    if a.reload:
        demo.reload_and_predict(*a.reload)
        return 0
    return demo.main(epochs=a.epochs, out_dir=a.out, quiet=a.quiet)


if __name__ == "__main__":
    sys.exit(main())
