"""winit.config(): what this process runs with (``python -m winit info`` prints it), and
``keras_backend()``: which backend ``import keras`` would load, found without importing
Keras (``winit.keras`` uses it to explain a failed import)."""
from __future__ import annotations

import importlib.util
import json
import os
from typing import Any

from ._core import _core

# Keras 3 backends -> the package each needs
KERAS_BACKENDS = {"jax": "jax", "torch": "torch", "tensorflow": "tensorflow",
                  "numpy": "numpy", "openvino": "openvino"}
KERAS_DEFAULT_BACKEND = "tensorflow"


def config() -> dict[str, Any]:
    """The configuration in use, as a dict of plain Python values.

    Keys: ``version``; ``simd_level`` (the level fills use now), ``simd_available``
    (the levels this CPU and build have), ``simd_env`` (the ``WINIT_SIMD`` cap, or
    None); ``threads`` (OpenMP threads for fills); ``cuda`` (``available``, the
    ``error`` naming why not, PyCUDA and driver versions, devices, fatbin and kernel
    source paths); ``keras`` (``keras_backend()``: the Keras version and the backend
    ``import keras`` would load, where that setting comes from, whether its package is
    installed). The bits of every result are the same whatever these say.

    >>> cfg = winit.config()
    >>> cfg["simd_level"] in cfg["simd_available"]
    True
    """
    from . import __version__
    return {
        "version": __version__,
        "simd_level": _core.simd_level(),
        "simd_available": list(_core.simd_available()),
        "simd_env": os.environ.get("WINIT_SIMD"),
        "threads": _core.get_num_threads(),
        "cuda": _cuda_status(),
        "keras": keras_backend(),
    }


def _cuda_status() -> dict[str, Any]:
    """_cuda.status(), or a status saying what the probe raised: a driver can fail in
    ways the probe does not expect, and ``winit info`` must still print the rest."""
    from . import _cuda
    try:
        return _cuda.status()
    except Exception as e:  # noqa: BLE001 -- reported as the cause
        return {"available": False, "error": f"probing CUDA raised {type(e).__name__}: {e}",
                "pycuda": None, "driver": None, "devices": [], "fatbin": None,
                "fatbin_images": [], "source": None, "nvcc": None,
                "kernels_env": os.environ.get("WINIT_CUDA_KERNELS", "auto")}


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a broken or half-imported package
        return False


def keras_config_path() -> str:
    """Where Keras 3 reads ``keras.json``: ``$KERAS_HOME/keras.json``, else
    ``~/.keras/keras.json`` (``/tmp/.keras`` when the home directory is not writable),
    as keras/src/backend/config.py computes it."""
    if "KERAS_HOME" in os.environ:
        keras_dir = os.environ["KERAS_HOME"]
    else:
        home = os.path.expanduser("~")
        keras_dir = os.path.join(home if os.access(home, os.W_OK) else "/tmp", ".keras")
    return os.path.expanduser(os.path.join(keras_dir, "keras.json"))


def keras_backend() -> dict[str, Any]:
    """The backend ``import keras`` would load, decided as Keras 3 does -- a non-empty
    ``KERAS_BACKEND``, else ``"backend"`` in keras.json, else tensorflow -- without
    importing Keras (that fails, or takes seconds).

    Keys: ``keras`` (its installed version, or None), ``backend``, ``source``
    (``"KERAS_BACKEND"``, the keras.json path, or ``"default"``), ``config_path``,
    ``package`` (the backend's package; None for a name Keras does not know),
    ``installed`` (whether that package is importable), ``available`` (the known
    backends whose packages are installed) and ``problem`` (a sentence saying why
    ``import keras`` will fail and how to fix it, or None).
    """
    import importlib.metadata as md
    try:
        version: str | None = md.version("keras")
    except md.PackageNotFoundError:
        version = None
    if not _installed("keras"):
        version = None
    elif version is None:
        version = "unknown version"
    path = keras_config_path()
    backend, source = KERAS_DEFAULT_BACKEND, "default"
    try:
        with open(path) as f:
            cfg = json.load(f)
        if isinstance(cfg, dict) and "backend" in cfg:
            backend, source = str(cfg["backend"]), path
    except (OSError, ValueError):  # absent or unreadable: Keras falls back the same way
        pass
    if os.environ.get("KERAS_BACKEND"):
        backend, source = os.environ["KERAS_BACKEND"], "KERAS_BACKEND"
    package = KERAS_BACKENDS.get(backend)
    info: dict[str, Any] = {
        "keras": version, "backend": backend, "source": source, "config_path": path,
        "package": package, "installed": package is not None and _installed(package),
        "available": [b for b in ("jax", "torch", "tensorflow") if _installed(b)],
    }
    info["problem"] = _keras_problem(info)
    return info


def _keras_problem(info: dict[str, Any]) -> str | None:
    if info["keras"] is None:
        return "Keras is not installed: pip install 'winit[keras]' (Keras 3 + jax)"
    if info["installed"]:
        return None
    backend, source, path = info["backend"], info["source"], info["config_path"]
    if source == "KERAS_BACKEND":
        where = "from the KERAS_BACKEND environment variable"
    elif source == "default":
        where = f"Keras' default: no KERAS_BACKEND, no \"backend\" in {path}"
    else:
        where = f"from {path}"
        if backend == KERAS_DEFAULT_BACKEND:
            where += "; Keras writes its default, tensorflow, there when first imported"
    what = (f"but {info['package']} is not installed" if info["package"] else
            f"which Keras does not know (it knows {', '.join(KERAS_BACKENDS)})")
    have = info["available"]
    use = have[0] if have else "jax"
    fix = f"export KERAS_BACKEND={use} before Python starts"
    if source != "KERAS_BACKEND":
        fix += f", or set \"backend\": \"{use}\" in {path}"
    if not have:
        fix += f" (after pip install {use})"
    if info["package"]:
        fix += f"; or pip install {info['package']}"
    return (f"Keras is configured for the {backend!r} backend ({where}), {what}. "
            f"Installed backends: {', '.join(have) or 'none'}. Fix: {fix}.")
