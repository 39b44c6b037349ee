"""Peak memory of an out-of-core initialization: ``winit.dask.<scheme>(...).to_zarr``.

Prints one JSON line: the tensor and chunk sizes, the RSS before the write (after
imports and graph construction), the peak RSS during it, the wall time and the write
rate. The peak is the larger of a psutil sampler (every 5 ms) and the kernel's
high-water mark: on Linux ``VmHWM`` of /proc/self/status, reset with
/proc/self/clear_refs just before the write (``getrusage``'s ru_maxrss is not used
there: Linux carries it over ``exec`` from the forked parent, so a big parent -- a
pytest process -- would inflate it); elsewhere ru_maxrss.

    python benchmarks/dask_zarr_memory.py --gib 8 --chunk-mib 256 [--path /tmp/w.zarr]
      [--scheme glorot_normal] [--dtype float32] [--workers 2] [--compressor default|none]
      [--keep]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import sys
import tempfile
import threading
import time


def _hwm_linux() -> int | None:
    """VmHWM (bytes) of this process, or None where /proc has none."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _reset_hwm_linux() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset the peak RSS to the current RSS (Linux >= 4.0)
        return True
    except OSError:
        return False


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gib", type=float, default=1.0, help="tensor size in GiB")
    p.add_argument("--chunk-mib", type=float, default=64.0, help="chunk size in MiB")
    p.add_argument("--scheme", default="glorot_normal")
    p.add_argument("--dtype", default="float32")
    p.add_argument("--workers", type=int, default=2, help="threads of the dask scheduler")
    p.add_argument("--compressor", choices=("default", "none"), default="default")
    p.add_argument("--path", default=None, help="zarr store (default: a temporary directory)")
    p.add_argument("--keep", action="store_true", help="keep the store")
    a = p.parse_args(argv)

    import dask
    import numpy as np
    import psutil

    import winit
    import winit.dask as wd

    item = np.dtype(a.dtype if a.dtype != "bfloat16" else "uint16").itemsize
    cols = 8192
    rows_per_chunk = max(1, int(a.chunk_mib * 2**20 / (cols * item)))
    n_chunks = max(1, round(a.gib * 2**30 / (rows_per_chunk * cols * item)))
    shape = (rows_per_chunk * n_chunks, cols)
    arr = getattr(wd, a.scheme)(shape, chunks=(rows_per_chunk, cols), rng=2024, dtype=a.dtype,
                                **({"sparsity": 0.1} if a.scheme == "sparse_init" else {}))
    tmp = None
    path = a.path
    if path is None:
        tmp = tempfile.mkdtemp(prefix="winit-zarr-", dir=os.environ.get("WINIT_ZARR_DIR"))
        path = os.path.join(tmp, "w.zarr")
    kw = {}
    if a.compressor == "none":
        kw["compressors"] = None

    proc = psutil.Process()
    base = proc.memory_info().rss
    peak = [base]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], proc.memory_info().rss)
            stop.wait(0.005)

    hwm_reset = _reset_hwm_linux() and _hwm_linux() is not None
    th = threading.Thread(target=sample, daemon=True)
    th.start()
    t = time.perf_counter()
    try:
        with dask.config.set(scheduler="threads", num_workers=a.workers):
            arr.to_zarr(path, **kw)
    finally:
        dt = time.perf_counter() - t
        stop.set()
        th.join()
    if hwm_reset:
        kernel_peak, how = _hwm_linux(), "VmHWM"
    else:
        kernel_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (
            1 if sys.platform == "darwin" else 1024)
        how = "ru_maxrss"
    check = None
    if shape[0] >= 2:  # spot-check: a block read back equals the in-memory region
        import zarr
        z = zarr.open_array(path, mode="r")
        reg = (slice(shape[0] - 2, shape[0]), slice(cols - 5, cols))
        check = bool(np.asarray(z[reg]).tobytes() == getattr(winit, a.scheme)(
            shape, rng=2024, dtype=a.dtype, region=reg,
            **({"sparsity": 0.1} if a.scheme == "sparse_init" else {})).tobytes())
    if tmp is not None and not a.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    nbytes = math.prod(shape) * item
    out = {"scheme": a.scheme,
           "dtype": a.dtype,
           "shape": shape,
           "gib": nbytes / 2**30,
           "chunk_mib": rows_per_chunk * cols * item / 2**20,
           "n_chunks": n_chunks,
           "workers": a.workers,
           "compressor": a.compressor,
           "rss_before_mib": base / 2**20,
           "peak_rss_mib": max(peak[0], kernel_peak) / 2**20,
           "peak_above_before_mib": (max(peak[0], kernel_peak) - base) / 2**20,
           "sampled_peak_mib": peak[0] / 2**20,
           "kernel_peak": how,
           "seconds": dt,
           "gib_per_s": nbytes / 2**30 / dt,
           "readback_equal": check}
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
