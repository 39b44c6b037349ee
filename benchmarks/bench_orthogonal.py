"""winit.orthogonal against torch.nn.init.orthogonal_ (and the textbook numpy/scipy
QR) on the same machine, in one run: best of N wall times, 4096 x 4096 float32 by
default. Usage: python benchmarks/bench_orthogonal.py [n] [reps] [threads]
(threads: BLAS/torch threads for every contender; default: the libraries' own)."""
import sys
import time

import numpy as np

import winit


def best(fn, reps):
    fn()
    t_best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        t_best = min(t_best, time.perf_counter() - t)
    return t_best


def main(n=4096, reps=3, threads=None):
    if threads is not None:
        from threadpoolctl import threadpool_limits
        threadpool_limits(threads)
        winit.set_num_threads(threads)
        try:
            import torch
            torch.set_num_threads(threads)
        except ImportError:
            pass
    rows = {}
    g = winit.Generator(0)
    rows["winit.orthogonal"] = best(lambda: winit.orthogonal((n, n), rng=g), reps)
    try:
        import torch
        w = torch.empty(n, n)
        rows[f"torch.nn.init.orthogonal_ ({torch.get_num_threads()} threads)"] = best(
            lambda: torch.nn.init.orthogonal_(w), reps)
    except ImportError:
        pass

    def numpy_qr():
        a = winit.normal((n, n), rng=1)
        q, r = np.linalg.qr(a)
        return q * np.sign(np.diagonal(r))
    rows["numpy.linalg.qr + sign"] = best(numpy_qr, reps)
    try:
        import scipy.linalg

        def scipy_qr():
            a = winit.normal((n, n), rng=1)
            q, r = scipy.linalg.qr(a, mode="economic", overwrite_a=True, check_finite=False)
            return q * np.sign(np.diagonal(r))
        rows["scipy.linalg.qr(economic) + sign"] = best(scipy_qr, reps)
    except ImportError:
        pass
    base = rows["winit.orthogonal"]
    print(f"orthogonal {n}x{n} float32, best of {reps}:")
    for k, v in rows.items():
        print(f"  {k:45s} {v:8.3f} s   {v / base:5.2f}x winit")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:4]))
