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
import secrets
import shutil
import signal
import sys
import threading
from collections.abc import Callable, Iterator
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


def _seed(text: str) -> int:
    try:
        v = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a non-negative int; got {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative int; got {text!r}")
    return v


def _block_mib(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not (math.isfinite(v) and v > 0):
        raise argparse.ArgumentTypeError(f"must be a positive finite number of MiB; got {text!r}")
    return v


def _precision(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        v = -1
    if not 0 <= v <= 1000:
        raise argparse.ArgumentTypeError(f"must be an int from 0 to 1000; got {text!r}")
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


# ------------------------------------------------------------------ sample

class _UsageError(Exception):
    """A bad argument found after parsing: exit status 2 with this message."""


class _EnvError(Exception):
    """The arguments are fine but this machine cannot do it (memory, disk space, the
    output file, no GPU): exit status 1 with this message."""


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that cleanups run: exit status 143."""


def sample(a: argparse.Namespace) -> int:
    import numpy as np

    import winit
    from winit import _validate as V
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
    if a.out is None:
        hint = "; with --out FILE.npy it is written block by block" if spec.shardable else ""
        arr = _host(_generate(spec, a.shape, kw, a.param, hint=hint))
        _report_seed(a, seed)
        opts: dict[str, Any] = {}
        if a.full:
            opts["threshold"] = sys.maxsize
        if a.precision is not None:
            opts["precision"] = a.precision
        with np.printoptions(**opts):
            print(arr)
        return 0
    try:
        dt = V.dtype(kw["dtype"], spec.dtypes)
        full = V.shape(a.shape)
    except (ValueError, TypeError) as e:
        raise _UsageError(str(e)) from None
    # the output is opened (and the disk space checked) before any work
    with _npy_writer(a.out, dt, full) as (path, write):
        blocks = a.device == "cpu" and _blockwise(spec, full, dt, a.block_mib)
        if blocks:
            _generate(spec, full, kw, a.param, region=(slice(0, 0),))  # check the arguments
            n = _write_blocks(spec, full, dt, kw, a.param, blocks, write, path)
        else:
            write(_host(_generate(spec, full, kw, a.param)))
    _bf16_note(dt, path)
    print(f"wrote {path}: shape {full}, {dt}" + (f", {n} blocks" if blocks else ""),
          file=sys.stderr)
    _report_seed(a, seed)
    return 0


def _generate(spec: Any, shape: tuple[int, ...], kw: dict[str, Any],
              params: list[tuple[str, Any]], hint: str = "", **extra: Any) -> Any:
    """spec.fn(shape, **kw, **extra), its errors turned into one-line CLI errors (``hint``
    is added to a MemoryError's)."""
    from winit import CudaUnavailableError
    try:
        return spec.fn(shape, **extra, **kw)
    except (ValueError, TypeError) as e:  # the scheme's own message names the argument
        raise _UsageError(str(e)) from None
    except OverflowError as e:  # an int too large for C, from a --param value
        given = " ".join(f"--param {k}={v!r}" for k, v in params) or f"--shape {_dims(shape)}"
        raise _UsageError(f"a value is out of range ({e}): {given}") from None
    except MemoryError as e:
        raise _EnvError(f"--shape {_dims(shape)}: {e or 'not enough memory'}{hint}") from None
    except CudaUnavailableError as e:
        raise _EnvError(f"--device {kw['device']}: {e}") from None
    except Exception as e:
        if kw["device"] == "cpu":
            raise
        raise _EnvError(f"--device {kw['device']}: {type(e).__name__}: {e}") from None


def _host(arr: Any) -> Any:
    import numpy as np
    if hasattr(arr, "get"):  # a GPU array: the same bits, on the host
        arr = arr.get()
    return np.asarray(arr)


def _dims(shape: tuple[int, ...]) -> str:
    return ",".join(str(d) for d in shape)


def _report_seed(a: argparse.Namespace, seed: int | None) -> None:
    if a.seed is None and seed is not None:
        print(f"{_prog()} sample: no --seed given; drew --seed {seed} (pass it to repeat "
              "these values)", file=sys.stderr)


def _bf16_note(dtype: Any, path: str) -> None:
    if str(dtype) == "bfloat16":
        print(f"note: {path} holds bfloat16 as raw 2-byte values (.npy has no bfloat16): "
              "np.load(path).view(ml_dtypes.bfloat16)", file=sys.stderr)


def _size(nbytes: float) -> str:
    units = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
    k = 0
    while nbytes >= 1024 and k < len(units) - 1:
        nbytes, k = nbytes / 1024, k + 1
    return f"{nbytes:.0f} bytes" if k == 0 else f"{nbytes:.1f} {units[k]}"


def _out_path(given: str) -> tuple[str, bool]:
    """(the file to write, whether it is a device or pipe written in place). A regular
    file gets ``.npy`` appended unless it ends with it (as numpy.save does)."""
    if os.path.exists(given) and not os.path.isfile(given) and not os.path.isdir(given):
        return given, True  # /dev/null, /dev/stdout, a FIFO: no .npy, no temporary file
    if given == "":
        raise _UsageError("--out '': give a file name such as w.npy")
    if os.path.basename(given) in ("", ".", "..") or os.path.isdir(given):
        raise _UsageError(f"--out {given!r} names a directory; give a file name such as "
                          f"{os.path.join(given or '.', 'w.npy')}")
    path = given if given.endswith(".npy") else given + ".npy"
    if os.path.isdir(path):
        raise _UsageError(f"--out {given!r}: {path} is a directory")
    return path, False


def _npy_header(dt: Any, shape: tuple[int, ...]) -> bytes:
    import io

    import numpy as np
    f = io.BytesIO()
    d = {"descr": np.lib.format.dtype_to_descr(dt), "fortran_order": False, "shape": shape}
    try:
        np.lib.format.write_array_header_1_0(f, d)
    except ValueError:  # a header over 64 KiB
        f = io.BytesIO()
        np.lib.format.write_array_header_2_0(f, d)
    return f.getvalue()


@contextlib.contextmanager
def _npy_writer(given: str, dt: Any, shape: tuple[int, ...]
                ) -> Iterator[tuple[str, Callable[[Any], None]]]:
    """Yields (path, write): ``write(array)`` appends C-order bytes after the .npy header.

    Plain writes, no memory map (a full disk under a map is a SIGBUS), after checking
    the disk has room. The data go to a hidden temporary file beside the target, renamed
    over it once complete and removed on any failure (an exception, Ctrl-C, SIGTERM):
    a failed run leaves no file and an existing one untouched. OSErrors become one-line
    errors naming --out."""
    import numpy as np
    path, special = _out_path(given)
    header = _npy_header(dt, shape)
    nbytes = len(header) + math.prod(shape) * dt.itemsize
    real = path if special else os.path.realpath(path)  # write through a symlink
    folder = os.path.dirname(real) or "."
    tmp = None
    try:
        if special:
            f = open(real, "wb")
        else:
            tmp = os.path.join(folder, f".{os.path.basename(real)}.{secrets.token_hex(4)}.partial")
            f = open(tmp, "xb")
            free = shutil.disk_usage(folder).free
            if nbytes > free:
                old = os.path.getsize(real) if os.path.isfile(real) else 0
                raise _EnvError(
                    f"--out {path}: not enough disk space: the file needs {_size(nbytes)}, "
                    f"{folder} has {_size(free)} free" + (
                        f" (the existing {os.path.basename(path)} is replaced only once the new "
                        f"file is complete: delete it first to use its {_size(old)})"
                        if old else ""))
        with f:
            f.write(header)

            def write(arr: Any) -> None:
                f.write(np.ascontiguousarray(arr).reshape(-1).view(np.uint8).data)
            yield path, write
        if tmp is not None:
            os.replace(tmp, real)
            tmp = None
    except OSError as e:
        reason = e.strerror or str(e)
        if isinstance(e, FileNotFoundError) and not os.path.isdir(folder):
            reason = f"the directory {folder} does not exist"
        raise _EnvError(f"--out {path}: {reason}") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _blockwise(spec: Any, full: tuple[int, ...], dt: Any, block_mib: float) -> int:
    """Rows per block when the array is written block by block along axis 0 (larger
    than ``block_mib`` and of a shardable scheme), else 0 (generated whole)."""
    nbytes = math.prod(full) * dt.itemsize
    if not spec.shardable or len(full) == 0 or nbytes <= block_mib * 2**20 or full[0] < 2:
        return 0
    return max(1, int(block_mib * 2**20 // max(nbytes // full[0], 1)))


def _write_blocks(spec: Any, full: tuple[int, ...], dt: Any, kw: dict[str, Any],
                  params: list[tuple[str, Any]], step: int, write: Callable[[Any], None],
                  path: str) -> int:
    """Generates ``full`` ``step`` rows at a time with ``region=`` into one reused
    buffer and writes each block: the tensor is never held in memory."""
    import numpy as np

    from winit import _progress
    from winit import _validate as V
    rows = min(step, full[0])
    try:
        V.allocatable((rows, *full[1:]), dt)
        buf = np.empty((rows, *full[1:]), dt)
    except MemoryError as e:
        raise _EnvError(f"--shape {_dims(full)}: a block of {rows} row(s) does not fit in "
                        f"memory ({e or 'numpy could not allocate it'})") from None
    starts = range(0, full[0], step)
    with _progress.progress(len(starts), f"writing {os.path.basename(path)}",
                            unit="block") as bar:
        for i in starts:
            j = min(i + step, full[0])
            _generate(spec, full, kw, params, region=(slice(i, j),), out=buf[: j - i])
            write(buf[: j - i])
            bar.update()
    return len(starts)


# ------------------------------------------------------------------ main

def _one_line(msg: object) -> str:
    return " ".join(str(msg).split())


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """SIGTERM raises _Terminated in the main thread, so a partial output is removed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise _Terminated()
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
        except _UsageError as e:
            print(f"usage: {sub} ... (see {sub} --help)\n{sub}: error: {_one_line(e)}",
                  file=sys.stderr)
            return 2
        except _EnvError as e:
            print(f"{sub}: error: {_one_line(e)}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print(f"{sub}: interrupted", file=sys.stderr)
            return 130
        except _Terminated:
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
        raise _EnvError(f"the demo needs {', '.join(missing)}: install the demo extra, "
                        "pip install -e \".[demo]\" (Keras, jax, scikit-learn)")
    package = KERAS_BACKENDS.get(backend)
    if package is None or not _installed(package):
        what = ("is not installed" if package else
                f"is not a Keras backend (one of {', '.join(KERAS_BACKENDS)})")
        have = ", ".join(b for b in ("jax", "torch", "tensorflow") if _installed(b)) or "none"
        raise _EnvError(f"the Keras backend {backend!r} (from {source or 'the default'}) "
                        f"{what}; pass --backend with an installed one (installed: {have})")
    os.environ["KERAS_BACKEND"] = backend
    if a.out is not None and not a.reload:
        if os.path.exists(a.out) and not os.path.isdir(a.out):
            raise _UsageError(f"--out {a.out!r} is not a directory")
        try:
            os.makedirs(a.out, exist_ok=True)
        except OSError as e:
            raise _EnvError(f"--out {a.out}: {e.strerror or e}") from None
        if not os.access(a.out, os.W_OK):
            raise _EnvError(f"--out {a.out}: the directory is not writable")
    from .keras import _demo as demo
    if a.reload:
        demo.reload_and_predict(*a.reload)
        return 0
    return demo.main(epochs=a.epochs, out_dir=a.out, quiet=a.quiet)


if __name__ == "__main__":
    sys.exit(main())
