"""winit.dask on a dask.distributed LocalCluster with 2 worker processes: the chunks are
generated in the workers (each holds some) and the computed tensor equals the
in-memory call bit for bit (issue 7). About 6 s, most of it starting the cluster."""
import numpy as np
import pytest

pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import winit
import winit.dask as wd

CASES = [
    ("glorot_normal", (513, 301), (100, 77), {}),
    ("sparse_init", (400, 333), (64, 333), {"sparsity": 0.3}),
    ("sparse_init", (300, 250), (70, 90), {"sparsity": 0.7, "layout": "torch"}),
    ("truncated_normal", (257, 3, 129), (50, 2, 64), {"std": 0.02, "lo": -0.04, "hi": 0.03}),
    ("glorot_uniform", (120, 90), (31, 45), {"dtype": "complex64"}),
]


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, worker_dashboard_address=None) as cl, \
            distributed.Client(cl) as c:
        yield c


@pytest.mark.parametrize("name, shape, chunks, kw", CASES, ids=[c[0] for c in CASES])
def test_cluster_compute_equals_in_memory(client, name, shape, chunks, kw):
    g = winit.Generator(2024)
    x = getattr(wd, name)(shape, chunks=chunks, rng=g, **kw)
    x = x.persist()  # generated on the workers
    distributed.wait(x)
    holders = {w for ws in client.who_has(x).values() for w in ws}
    assert len(holders) == 2  # both worker processes generated chunks
    got = x.compute()
    ref = getattr(winit, name)(shape, rng=winit.Generator(2024), **kw)
    assert got.dtype == ref.dtype and got.tobytes() == ref.tobytes()


def test_workers_are_other_processes(client):
    import os
    pids = set(client.run(os.getpid).values())
    assert len(pids) == 2 and os.getpid() not in pids


def test_cluster_reduction_without_gathering(client):
    """A statistic over the chunks, computed where they live: equals numpy's on the whole."""
    x = wd.normal((1000, 500), chunks=(128, 250), rng=1, dtype="float64")
    whole = winit.normal((1000, 500), rng=1, dtype="float64")
    assert np.isclose(float(x.sum().compute()), whole.sum(), rtol=1e-12)
    assert float(x.max().compute()) == whole.max()
