"""Chunked generation throughput: winit.dask on 2 workers vs one in-memory call.

Jobs (each best of --reps, after a warm-up; GiB/s of generated float32 values):

- ``in-memory``: one ``winit.<scheme>(shape, rng=1)`` call (winit's own OpenMP threads;
  allocates its result, as a user's call does);
- ``in-memory out=``: the same into a preallocated array (no page faults: the
  generation alone);
- ``dask threads``: ``winit.dask.<scheme>(shape, chunks=...).persist()`` on the threaded
  scheduler with --workers threads (chunks held in this process);
- ``dask LocalCluster``: the same persisted on a ``dask.distributed.LocalCluster`` of
  --workers worker processes with 1 thread each (chunks held in the workers; cluster
  start-up not counted; each worker's winit uses 1 OpenMP thread).

    python benchmarks/dask_throughput.py [--gib 1] [--chunk-mib 64 256] [--scheme glorot_normal]
        [--workers 2] [--reps 3] [--json]
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import os
import time


def best(fn, reps: int) -> float:
    fn()  # warm up (imports, first-touch, worker start)
    t_best = math.inf
    for _ in range(reps):
        gc.collect()
        t = time.perf_counter()
        fn()
        t_best = min(t_best, time.perf_counter() - t)
    return t_best


def main(argv: list[str] | None = None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gib", type=float, default=1.0)
    p.add_argument("--chunk-mib", type=float, nargs="+", default=[64.0, 256.0])
    p.add_argument("--scheme", default="glorot_normal")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--no-cluster", action="store_true")
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)

    import dask
    import numpy as np

    import winit
    import winit.dask as wd

    cols = 8192
    rows = int(a.gib * 2**30 / (4 * cols))
    shape = (rows, cols)
    nbytes = rows * cols * 4
    fn = getattr(winit, a.scheme)
    dfn = getattr(wd, a.scheme)
    kw = {"sparsity": 0.1} if a.scheme == "sparse_init" else {}
    results: list[dict] = []

    def report(job: str, seconds: float, **extra) -> None:
        r = dict(job=job, scheme=a.scheme, shape=shape, gib=nbytes / 2**30, seconds=seconds,
                 gib_per_s=nbytes / 2**30 / seconds, ns_per_element=seconds / (rows * cols) * 1e9,
                 **extra)
        results.append(r)
        if not a.json:
            ex = "  ".join(f"{k}={v}" for k, v in extra.items())
            print(f"{job:28s} {r['seconds']:7.3f} s  {r['gib_per_s']:6.2f} GiB/s  "
                  f"{r['ns_per_element']:6.2f} ns/el  {ex}", flush=True)

    if not a.json:
        print(f"{a.scheme} {shape} float32 = {nbytes / 2**30:.2f} GiB; cpus {os.cpu_count()}, "
              f"winit threads {winit.get_num_threads()}, load {os.getloadavg()[0]:.1f}")
    report("in-memory (one call)", best(lambda: fn(shape, rng=1, **kw), a.reps),
           threads=winit.get_num_threads())
    def into_buffer() -> float:  # the buffer is freed on return
        buf = np.empty(shape, np.float32)
        return best(lambda: fn(shape, rng=1, out=buf, **kw), a.reps)

    report("in-memory out=", into_buffer(), threads=winit.get_num_threads())
    ref_hash = None
    for cm in a.chunk_mib:
        crow = max(1, int(cm * 2**20 / (4 * cols)))
        x = dfn(shape, chunks=(crow, cols), rng=1, **kw)
        with dask.config.set(scheduler="threads", num_workers=a.workers):
            report("dask threads", best(x.persist, a.reps), chunk_mib=cm,
                   threads=a.workers, chunks=x.npartitions)
    if not a.no_cluster:
        from distributed import Client, LocalCluster, wait
        with LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cl, Client(cl) as client:
            client.run(winit.set_num_threads, 1)
            for cm in a.chunk_mib:
                crow = max(1, int(cm * 2**20 / (4 * cols)))
                x = dfn(shape, chunks=(crow, cols), rng=1, **kw)

                def job(x=x):
                    wait(x.persist())

                report("dask LocalCluster (procs)", best(job, a.reps), chunk_mib=cm,
                       workers=a.workers, chunks=x.npartitions)
            # exactness spot check on the cluster: a corner block
            reg = (slice(rows - 3, rows), slice(cols - 4, cols))
            ref_hash = bool(np.array_equal(x[reg].compute(), fn(shape, rng=1, region=reg, **kw)))
    if a.json:
        print(json.dumps({"results": results, "corner_equal": ref_hash,
                          "load": os.getloadavg()}))
    elif ref_hash is not None:
        print(f"cluster corner block equals the in-memory region: {ref_hash}")
    return results


if __name__ == "__main__":
    main()
