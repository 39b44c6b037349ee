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
        return _demo(rest)
    print("usage: python -m winit {info,demo,bench} [options]")
    return 0 if cmd in ("-h", "--help") else 2


DEMO_NEEDS = {"keras": "keras", "sklearn": "scikit-learn"}
BACKEND_PACKAGE = {"jax": "jax", "torch": "torch", "tensorflow": "tensorflow"}


def _demo(argv: list[str]) -> int:
    """python -m winit demo: train a small Keras model with winit initializers on
    scikit-learn's digits, save it, reload it in a fresh process (winit/keras/_demo.py)."""
    import argparse
    import importlib.util
    import os
    p = argparse.ArgumentParser(prog="python -m winit demo", description=_demo.__doc__)
    p.add_argument("--backend", choices=sorted(BACKEND_PACKAGE),
                   help="Keras backend (default: $KERAS_BACKEND, else jax)")
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--out", metavar="DIR", help="keep the saved model and data in DIR")
    p.add_argument("--quiet", action="store_true", help="no per-epoch lines")
    p.add_argument("--reload", nargs=3, metavar=("MODEL", "X", "OUT"), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    # the backend is fixed when keras is first imported: pin it before that
    backend = a.backend or os.environ.get("KERAS_BACKEND") or "jax"
    os.environ["KERAS_BACKEND"] = backend
    need = dict(DEMO_NEEDS, **{backend: BACKEND_PACKAGE.get(backend, backend)})
    missing = [pkg for mod, pkg in need.items() if importlib.util.find_spec(mod) is None]
    if missing:
        print(f"python -m winit demo needs {', '.join(missing)}: install the demo extra, "
              f"pip install -e \".[demo]\" (Keras, jax, scikit-learn)", file=sys.stderr)
        return 1
    from .keras import _demo as demo
    if a.reload:
        demo.reload_and_predict(*a.reload)
        return 0
    return demo.main(epochs=a.epochs, out_dir=a.out, quiet=a.quiet)


if __name__ == "__main__":
    sys.exit(main())
