"""``winit sample``: one scheme's values, printed or written to ``.npy`` -- block by
block with ``region=`` when large (the tensor is never held in memory), with plain
writes to a temporary file renamed into place (no memory map: a full disk is an error,
not a SIGBUS; a failure leaves no file). Also the CLI's error classes."""
from __future__ import annotations

import argparse
import contextlib
import math
import os
import secrets
import shutil
import sys
from collections.abc import Callable, Iterator
from typing import Any


def prog() -> str:
    return "winit" if os.path.basename(sys.argv[0] or "") == "winit" else "python -m winit"


class UsageError(Exception):
    """A bad argument found after parsing: exit status 2 with this message."""


class EnvError(Exception):
    """The arguments are fine but this machine cannot do it (memory, disk space, the
    output file, no GPU): exit status 1 with this message."""


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that cleanups run: exit status 143."""


_EXAMPLE = {"sparsity": 0.9}  # a value to show for a required parameter


def sample(a: argparse.Namespace) -> int:
    import numpy as np

    import winit
    from winit import _validate as V
    try:
        spec = winit.get_scheme(a.scheme)
    except ValueError:
        raise UsageError(
            f"unknown scheme {a.scheme!r}; valid schemes: {', '.join(sorted(winit.SCHEMES))} "
            f"(aliases: {', '.join(sorted(winit.ALIASES))})") from None
    params = dict(a.param)
    for bad, use in (("rng", "--seed"), ("seed", "--seed"), ("dtype", "--dtype"),
                     ("device", "--device"), ("out", "--out"), ("shape", "--shape"),
                     ("region", "winit.<scheme>(..., region=) in Python")):
        if bad in params:
            raise UsageError(f"--param {bad}=... is not a scheme parameter; use {use}")
    missing = [p for p in spec.params if p.required and p.name not in params]
    if missing:
        raise UsageError(f"{spec.name} needs " + " and ".join(
            f"--param {p.name}=VALUE ({p.doc or 'required'})" for p in missing)
            + f", e.g. {prog()} sample {a.scheme} --shape {_dims(a.shape)} "
            + " ".join(f"--param {p.name}={_EXAMPLE.get(p.name, 1)}" for p in missing))
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
        raise UsageError(str(e)) from None
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
        raise UsageError(str(e)) from None
    except OverflowError as e:  # an int too large for C, from a --param value
        given = " ".join(f"--param {k}={v!r}" for k, v in params) or f"--shape {_dims(shape)}"
        raise UsageError(f"a value is out of range ({e}): {given}") from None
    except MemoryError as e:
        raise EnvError(f"--shape {_dims(shape)}: {e or 'not enough memory'}{hint}") from None
    except CudaUnavailableError as e:
        raise EnvError(f"--device {kw['device']}: {e}") from None
    except Exception as e:
        if kw["device"] == "cpu":
            raise
        raise EnvError(f"--device {kw['device']}: {type(e).__name__}: {e}") from None


def _host(arr: Any) -> Any:
    import numpy as np
    if hasattr(arr, "get"):  # a GPU array: the same bits, on the host
        arr = arr.get()
    return np.asarray(arr)


def _dims(shape: tuple[int, ...]) -> str:
    return ",".join(str(d) for d in shape)


def _report_seed(a: argparse.Namespace, seed: int | None) -> None:
    if a.seed is None and seed is not None:
        print(f"{prog()} sample: no --seed given; drew --seed {seed} (pass it to repeat "
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
        raise UsageError("--out '': give a file name such as w.npy")
    if os.path.basename(given) in ("", ".", "..") or os.path.isdir(given):
        raise UsageError(f"--out {given!r} names a directory; give a file name such as "
                          f"{os.path.join(given or '.', 'w.npy')}")
    path = given if given.endswith(".npy") else given + ".npy"
    if os.path.isdir(path):
        raise UsageError(f"--out {given!r}: {path} is a directory")
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
                raise EnvError(
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
        raise EnvError(f"--out {path}: {reason}") from None
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
        raise EnvError(f"--shape {_dims(full)}: a block of {rows} row(s) does not fit in "
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
