"""Threads: a Generator shared by N threads hands out distinct streams; fold_in
results do not depend on thread interleaving (same program twice, any schedule);
concurrent fills (each with its own OpenMP team) equal sequential ones; fills release
the GIL."""
import subprocess
import sys
import threading
import time

import numpy as np

import winit
from conftest import run_threads as _run_threads

N_THREADS = 8


def run_threads(fn, n=N_THREADS):
    _run_threads(fn, n)


def test_shared_generator_gives_distinct_streams():
    calls = 25
    g = winit.Generator(123)
    got = [[] for _ in range(N_THREADS)]

    def work(i):
        for k in range(calls):
            shape = (1 + (i * 7 + k) % 5, 3)  # sizes differ: streams must not depend on them
            got[i].append(winit.normal(shape, rng=g, dtype="float64"))
    run_threads(work)
    total = N_THREADS * calls
    assert g.position == total
    # stream s of seed 123 starts with the same first row whatever the shape
    ref = winit.Generator(123)
    first_rows = {winit.normal((1, 3), rng=ref, dtype="float64").tobytes(): s for s in range(total)}
    seen = [first_rows[a[:1].tobytes()] for per in got for a in per]
    assert sorted(seen) == list(range(total))
    for per in got:  # each thread's own calls take increasing streams
        ids = [first_rows[a[:1].tobytes()] for a in per]
        assert ids == sorted(ids)


def test_shared_generator_spawn_and_fold_in_from_threads():
    g = winit.Generator(5)
    kids, folds = [], []

    def work(i):
        kids.extend(g.spawn(3))
        folds.append((i, g.fold_in(f"layer{i}").key))
    run_threads(work)
    assert len({k.key for k in kids}) == 3 * N_THREADS
    assert {k.key for k in kids} == {k.key for k in winit.Generator(5).spawn(3 * N_THREADS)}
    for i, key in folds:
        assert key == winit.Generator(5).fold_in(f"layer{i}").key


PROGRAM = r"""
import hashlib, random, sys, threading, time
import winit
order = int(sys.argv[1])
root = winit.Generator(2**80 + 17)
names = [f"block{b}/{w}" for b in range(6) for w in ("kernel", "bias", "gamma")]
random.Random(order).shuffle(names)
out = {}
def work(chunk, jitter):
    rnd = random.Random(jitter)
    for name in chunk:
        time.sleep(rnd.random() * 0.002)
        g = root.fold_in(name)
        a = winit.normal((64, 33), rng=g, dtype="float32")
        b = winit.truncated_normal((40_000,), std=0.02, rng=g, dtype="float64")  # OpenMP-sized
        c = winit.uniform((7,), -1, 1, rng=g, dtype="bfloat16")
        out[name] = hashlib.sha256(a.tobytes() + b.tobytes() + c.tobytes()).hexdigest()
nt = 1 + order % 5
winit.set_num_threads(1 + order % 3)
ts = [threading.Thread(target=work, args=(names[i::nt], order * 31 + i)) for i in range(nt)]
[t.start() for t in ts]; [t.join() for t in ts]
for k in sorted(out): print(k, out[k])
"""


def test_fold_in_results_independent_of_interleaving():
    """The same program, run in fresh processes with different thread counts, name
    orders and timings, gives the same values per name."""
    outs = set()
    for order in (0, 1, 4):
        r = subprocess.run([sys.executable, "-c", PROGRAM, str(order)], capture_output=True,
                           text=True, check=True, timeout=300)
        outs.add(r.stdout)
    assert len(outs) == 1
    lines = outs.pop().split()
    assert len(lines) == 2 * 18


def test_concurrent_large_fills_equal_sequential():
    """Several Python threads each run an OpenMP fill at the same time (and one keeps
    changing the thread count): the bits equal a sequential run."""
    n = 300_003
    specs = [(f, dt, seed) for seed, (f, dt) in enumerate(
        [(winit.normal, "float32"), (winit.uniform, "float64"), (winit.truncated_normal, "float16"),
         (winit.normal, "bfloat16"), (winit.truncated_normal, "float64"), (winit.uniform, "float32")])]
    ref = [f((n,), rng=s, dtype=dt) for f, dt, s in specs]
    got = [None] * len(specs)
    stop = threading.Event()

    def churn():
        k = 0
        while not stop.is_set():
            winit.set_num_threads(1 + k % 4)
            k += 1
            time.sleep(0.0005)

    def work(i):
        f, dt, s = specs[i]
        for _ in range(3):
            got[i] = f((n,), rng=s, dtype=dt)
            np.testing.assert_array_equal(got[i].view(np.uint8), ref[i].view(np.uint8))
    t = threading.Thread(target=churn)
    t.start()
    try:
        run_threads(work, len(specs))
    finally:
        stop.set()
        t.join()
        winit.set_num_threads(0)


def _seen_mid_call(call, n, dtype=np.float32, tries=50):
    """Whether a second Python thread ever saw a buffer half written while ``call(out)``
    wrote it: some sampled elements already written (not NaN), some not yet (NaN).

    That state exists only during a call, and the probe thread can only look at it by
    running Python code, i.e. holding the GIL: seeing it proves the call had released
    the GIL. No clock is read: on a slow or busy machine the probe is just scheduled
    less often, and up to ``tries`` calls give it its chances. A call that holds the
    GIL throughout can never be seen half done. Each call writes a fresh all-NaN
    buffer, so the probe never sees one being reset."""
    idx = np.linspace(0, n - 1, 64).astype(np.intp)
    current = [np.full(n, np.nan, dtype)]
    seen, started, stop = threading.Event(), threading.Event(), threading.Event()

    def probe():
        started.set()
        while not stop.is_set():
            nan = np.isnan(current[0][idx])
            if nan.any() and not nan.all():
                seen.set()
                return
    th = threading.Thread(target=probe)
    th.start()
    started.wait()
    try:
        for _ in range(tries):
            out = np.full(n, np.nan, dtype)
            current[0] = out  # shown to the probe only once wholly NaN
            call(out)
            assert not np.isnan(out).any(), "the call did not write every element"
            if seen.is_set():
                break
    finally:
        stop.set()
        th.join()
    return seen.is_set()


def test_fill_releases_the_gil():
    """A one-thread fill of 4M float32 (tens of ms): a Python thread sees the output
    half written, so it ran during the fill. Holding the GIL would make that impossible
    (the control test below shows the probe then never sees it)."""
    winit.set_num_threads(1)  # one writer: the output fills from the front
    try:
        n = 1 << 22
        assert _seen_mid_call(lambda out: winit.normal((n,), rng=1, out=out), n)
    finally:
        winit.set_num_threads(0)


def test_gil_probe_detects_a_gil_holding_call():
    """The control: the same probe around a libc memset of the buffer called through
    ctypes.PyDLL, which keeps the GIL for the whole call, never sees it half written --
    so the test above can fail."""
    import ctypes
    memset = ctypes.PyDLL(None).memset  # PyDLL: the GIL is held during the call
    memset.argtypes = (ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t)
    assert not _seen_mid_call(lambda out: memset(out.ctypes.data, 0, out.nbytes), 1 << 24,
                              tries=20)
