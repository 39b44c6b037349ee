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

N_THREADS = 8


def run_threads(fn, n=N_THREADS):
    errors, barrier = [], threading.Barrier(n)

    def wrap(i):
        try:
            barrier.wait()
            fn(i)
        except BaseException as e:  # noqa: BLE001 -- reported below
            errors.append(e)
    ts = [threading.Thread(target=wrap, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    assert not any(t.is_alive() for t in ts), "a thread hung"
    if errors:
        raise errors[0]


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


def _progress_during(call, reps=3):
    """Run call() reps times while a pure-Python thread counts; return (largest gap in
    the counter's progress during the calls, shortest call)."""
    stamps, stop = [], threading.Event()

    def counter():
        k = 0
        while not stop.is_set():
            k += 1
            if k % 100 == 0:
                stamps.append(time.perf_counter())
    th = threading.Thread(target=counter)
    th.start()
    time.sleep(0.05)
    spans = []
    try:
        for _ in range(reps):
            a = time.perf_counter()
            call()
            spans.append((a, time.perf_counter()))
    finally:
        stop.set()
        th.join()
    gaps = []
    for a, b in spans:
        pts = [a] + [s for s in stamps if a <= s <= b] + [b]
        gaps.append(max(y - x for x, y in zip(pts, pts[1:])))
    return max(gaps), min(b - a for a, b in spans)


def test_fill_releases_the_gil():
    """While one thread runs a long fill (about 0.3 s, one OpenMP thread), a pure-Python
    thread keeps making progress. Holding the GIL would stop it for the whole fill: we
    require no pause longer than half a fill. Checked against a call that does hold
    the GIL, so the test can fail."""
    winit.set_num_threads(1)
    try:
        n = 1 << 18
        while True:
            out = np.empty(n, np.float32)
            t0 = time.perf_counter()
            winit.normal((n,), rng=1, out=out)
            if time.perf_counter() - t0 > 0.3 or n >= 1 << 25:
                break
            n *= 2
        gap, shortest = _progress_during(lambda: winit.normal((n,), rng=1, out=out))
    finally:
        winit.set_num_threads(0)
    assert shortest > 0.05, "fills too fast to measure"
    assert gap < 0.5 * shortest, f"Python thread paused {gap:.3f}s during a {shortest:.3f}s fill"


def test_gil_probe_detects_a_gil_holding_call():
    m = 1 << 20
    while True:
        t0 = time.perf_counter()
        sum(range(m))  # a C loop that never releases the GIL
        if time.perf_counter() - t0 > 0.2:
            break
        m *= 2
    gap, shortest = _progress_during(lambda: sum(range(m)), reps=2)
    assert gap >= 0.5 * shortest
