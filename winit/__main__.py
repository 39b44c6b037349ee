"""python -m winit {info, demo, bench}"""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    cmd, rest = (argv[0], argv[1:]) if argv else ("--help", [])
    if cmd == "bench":
        from ._bench import main as bench
        return bench(rest)
    if cmd == "info":
        import winit
        from winit._core import _core
        print(f"winit {winit.__version__}\nSIMD level: {_core.simd_level()} "
              f"(available: {', '.join(_core.simd_available())})\nthreads: {winit.get_num_threads()}")
        from winit import _cuda
        print(_cuda.format_status(_cuda.status()))
        return 0
    if cmd == "demo":
        import winit
        g = winit.Generator(7)
        w = winit.truncated_normal((256, 128), std=0.02, lo=-0.04, hi=0.04, rng=g)
        print(f"truncated_normal((256, 128), std=0.02): mean {w.mean():+.5f} std {w.std():.5f} "
              f"range [{w.min():+.4f}, {w.max():+.4f}]")
        return 0
    print("usage: python -m winit {info,demo,bench} [options]")
    return 0 if cmd in ("-h", "--help") else 2


if __name__ == "__main__":
    sys.exit(main())
