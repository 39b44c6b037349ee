"""Per-call time of small winit calls (µs, minimum over repeats), with numpy and torch
timed in the same process: the "small calls" table of docs/benchmarks.md.

    python benchmarks/bench_overhead.py [REPEATS]          # prints one JSON object

To compare two commits, run it alternately against each checkout (built in place):
``PYTHONPATH=/path/to/checkout python benchmarks/bench_overhead.py``."""
from __future__ import annotations

import json
import sys
import timeit
from collections.abc import Callable
from typing import Any

import numpy as np

import winit


def calls() -> dict[str, Callable[[], Any]]:
    g = winit.Generator(1)
    out: dict[str, Callable[[], Any]] = {
        "uniform((1,), rng=1)": lambda: winit.uniform((1,), rng=1),
        "normal((1,), rng=1)": lambda: winit.normal((1,), rng=1),
        "normal((1,), rng=Generator)": lambda: winit.normal((1,), rng=g),
        "truncated_normal((1,), rng=1)": lambda: winit.truncated_normal((1,), rng=1),
        "variance_scaling((1, 1), rng=1)": lambda: winit.variance_scaling((1, 1), rng=1),
        "glorot_uniform((1, 1), rng=1)": lambda: winit.glorot_uniform((1, 1), rng=1),
        "he_normal((1, 1), rng=1)": lambda: winit.he_normal((1, 1), rng=1),
        "lecun_normal((1, 1), rng=1)": lambda: winit.lecun_normal((1, 1), rng=1),
        "zeros((1,))": lambda: winit.zeros((1,)),
        "ones((1,))": lambda: winit.ones((1,)),
        "constant((1,), 0.5)": lambda: winit.constant((1,), 0.5),
        "glorot_uniform((64, 64), rng=1)": lambda: winit.glorot_uniform((64, 64), rng=1),
        "zeros((768,))": lambda: winit.zeros((768,)),
        "numpy.zeros(768)": lambda: np.zeros(768, np.float32),
        "numpy.empty(1)": lambda: np.empty(1, np.float32),
    }
    try:
        import torch
    except ImportError:
        return out
    torch.set_num_threads(1)
    t = torch.empty(64, 64)
    out["torch xavier_uniform_((64, 64))"] = lambda: torch.nn.init.xavier_uniform_(t)
    return out


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    winit.set_num_threads(1)
    res = {}
    for name, f in calls().items():
        f()
        res[name] = min(timeit.repeat(f, number=2000, repeat=repeats)) / 2000 * 1e6
    print(json.dumps(res))


if __name__ == "__main__":
    main()
