"""Memory: no leak across 10^5 calls (tracemalloc for Python objects, RSS for C
allocations), huge requests refused before anything is allocated, allocation
failures clean. (valgrind memcheck of the C entry points: tests/fuzz/run.sh valgrind.)"""
import os
import subprocess
import sys
import textwrap

import pytest

# Under tests/sanitize.sh (ASan preloaded) RSS and address-space limits measure ASan's
# shadow memory and quarantine, not ours: these run in the normal suite instead.
UNDER_ASAN = pytest.mark.skipif(os.environ.get("WINIT_SANITIZED") == "1",
                                reason="RSS / address-space checks are meaningless under ASan")


LEAK = textwrap.dedent(r"""
    import gc, sys, tracemalloc
    import numpy as np, psutil, winit
    from winit._plan import bits
    proc = psutil.Process()
    g = winit.Generator(1)
    out = np.empty((4, 8), np.float32)
    def calls(n):
        for i in range(n):
            k = i % 8
            if k == 0: winit.normal((3, 5), rng=g)
            elif k == 1: winit.uniform((4, 8), -1, 1, rng=i, out=out)
            elif k == 2: winit.truncated_normal((6, 6), lo=3, hi=9, rng=g, region=(slice(1, 3),),
                                                dtype="float64")
            elif k == 3:
                try: winit.normal((2, -1), rng=g)
                except ValueError: pass
            elif k == 4: bits((9,), rng=g)
            elif k == 5: g.fold_in(f"layer{i}"); g.spawn(1)
            elif k == 6: winit.normal((2,), rng=i, dtype="bfloat16")
            else:
                try: winit.normal((2**40, 2**20), rng=g)
                except MemoryError: pass
    calls(5000)
    gc.collect()
    tracemalloc.start()
    calls(5000)
    gc.collect()
    t0, rss0 = tracemalloc.get_traced_memory()[0], proc.memory_info().rss
    N = int(sys.argv[1])
    calls(N)
    gc.collect()
    t1, rss1 = tracemalloc.get_traced_memory()[0], proc.memory_info().rss
    print(N, t1 - t0, rss1 - rss0)
""")


@UNDER_ASAN
@pytest.mark.parametrize("n", [pytest.param(10_000), pytest.param(100_000, marks=pytest.mark.slow)])
def test_no_leak_over_many_calls(n):
    r = subprocess.run([sys.executable, "-c", LEAK, str(n)], capture_output=True, text=True,
                       timeout=1200)
    assert r.returncode == 0, r.stderr
    got, traced, rss = map(int, r.stdout.split())
    assert got == n
    # a leak of 4 bytes per call would be 4n bytes; the 10^4 Generators from fold_in/spawn
    # are garbage-collected, so what remains is interpreter noise
    assert traced < max(32 * 1024, 2 * n), f"tracemalloc grew by {traced} bytes over {n} calls"
    assert rss < 4 * 2**20, f"RSS grew by {rss} bytes over {n} calls"


HUGE = textwrap.dedent(r"""
    import resource, sys
    import numpy as np, winit
    g = winit.Generator(3)
    # no allocation above 1.5 GiB can succeed from here on
    resource.setrlimit(resource.RLIMIT_AS, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                                            * 1024 + (3 << 29),) * 2)
    res = []
    for shape, dt in [((2**40, 2**20), "float32"), ((2**17, 2**17), "float64"),
                      ((2**62,), "bfloat16")]:
        try:
            winit.normal(shape, rng=g, dtype=dt)
            res.append("ok")
        except MemoryError as e:
            res.append("refused" if "more than this machine" in str(e) else "alloc-failed")
    pos = g.position
    # under physical memory but over the limit: numpy's allocation fails, cleanly
    try:
        winit.uniform((2**16, 2**15), rng=g, dtype="float32")  # 8 GiB
        res.append("ok")
    except MemoryError as e:
        res.append("refused" if "more than this machine" in str(e) else "alloc-failed")
    # a region of a huge tensor allocates only the region
    r = winit.normal((2**40, 2**20), rng=g, region=(slice(5, 7), slice(0, 1000)))
    res.append(str(r.shape))
    # out= allocates nothing
    out = np.empty(1000, np.float32)
    winit.normal((1000,), rng=g, out=out)
    print(" ".join(res), pos)
""")


@UNDER_ASAN
def test_huge_requests_fail_before_allocation():
    r = subprocess.run([sys.executable, "-c", HUGE], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    *res, shape_a, shape_b, pos = r.stdout.split()
    assert res[:3] == ["refused"] * 3  # our check, before numpy is asked for anything
    assert res[3] in ("refused", "alloc-failed")  # 8 GiB: depends on this machine's memory
    assert f"{shape_a} {shape_b}" == "(2, 1000)"
    assert int(pos) == 0, "refused requests take no stream"


@UNDER_ASAN
def test_failed_allocation_takes_no_stream():
    code = HUGE.replace("# a region of a huge", "print(res[-1], g.position); sys.exit()\n#")
    code = code.replace("(2**16, 2**15)", "(2**15, 2**15)")  # 4 GiB < RAM, > the limit
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "alloc-failed" in r.stdout
    assert r.stdout.split()[-1] == "0"
