"""Lists and settings the test files share (import them: ``from conftest import ...``).

The dtype lists name every dtype winit generates; the scheme lists come from the
registry, so a scheme added there is tested everywhere these are used."""
import threading

from hypothesis import HealthCheck, settings

import winit

REAL = ["float32", "float64", "float16", "bfloat16"]
COMPLEX = ["complex64", "complex128"]
DTYPES = REAL + COMPLEX  # every dtype a random scheme takes
SHARDABLE = sorted(n for n, s in winit.SCHEMES.items() if s.shardable)
NOT_SHARDABLE = sorted(n for n, s in winit.SCHEMES.items() if not s.shardable)


def inward(low, high, dtype, half_open=True):
    """The smallest `dtype` value >= low and the largest < high (<= high when not
    half_open), by numpy / ml_dtypes alone: the interval a bounded scheme's values must
    lie in after rounding."""
    import numpy as np
    dt = np.dtype(dtype)
    lo = np.array(low, np.float64).astype(dt)
    if float(lo) < low:
        lo = np.nextafter(lo, np.array(np.inf, dt))
    hi = np.array(high, np.float64).astype(dt)
    if float(hi) > high or (half_open and float(hi) == high):
        hi = np.nextafter(hi, np.array(-np.inf, dt))
    return lo, hi


def hypothesis_settings(max_examples: int) -> settings:
    """Deterministic property tests: fixed examples, no deadline (a busy CI machine is
    slow, not wrong). WINIT_FUZZ_RANDOM=1 draws fresh examples (long runs by hand)."""
    import os
    return settings(max_examples=max_examples, deadline=None,
                    derandomize=not os.environ.get("WINIT_FUZZ_RANDOM"),
                    suppress_health_check=[HealthCheck.too_slow], database=None)


def run_threads(fn, n):
    """fn(i) in n threads started together (a barrier); the first exception is re-raised,
    a thread still running after 120 s fails the test."""
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
