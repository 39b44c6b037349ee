"""``python -m winit demo``: a small Keras model whose layers use winit initializers,
trained on scikit-learn's bundled digits (no download); accuracy, save to ``.keras``,
reload in a fresh process (``import winit.keras`` first) with identical predictions,
and the initial weights of every layer against the theory.

``winit/__main__.py`` sets ``KERAS_BACKEND`` (jax unless already set) before this
module imports Keras.
"""
from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any

import keras
import numpy as np

import winit
import winit.keras as wk

from .._sampling import TRUNC2_STD
from .._structured import n_zeros


def build_model() -> keras.Model:
    """The demo model: every kernel comes from a winit initializer with an int seed,
    so its initial bits are those of the functional call with ``rng=seed``."""
    inp = keras.Input((8, 8, 1), name="digits")
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv",
                            kernel_initializer=wk.KaimingNormal(seed=1))(inp)
    x = keras.layers.Flatten(name="flatten")(x)
    # sparse: 80% of each input unit's weights are zero; std so that the variance per
    # weight, (1 - 0.8) * std^2, is He's 2 / fan_in
    x = keras.layers.Dense(128, activation="relu", name="sparse",
                           kernel_initializer=wk.SparseInit(sparsity=0.8, std=0.1, seed=2))(x)
    x = keras.layers.Dense(64, activation="tanh", name="orthogonal",
                           kernel_initializer=wk.Orthogonal(
                               gain=winit.calculate_gain("tanh"), seed=3))(x)
    x = keras.layers.Dense(32, activation="relu", name="glorot",
                           kernel_initializer=wk.GlorotUniform(seed=4))(x)
    out = keras.layers.Dense(10, activation="softmax", name="head",
                             kernel_initializer=wk.TruncatedNormal(
                                 std=0.05, lo=-2.0, hi=2.0, bounds="std", seed=5))(x)
    return keras.Model(inp, out, name="winit_demo")


def load_digits(seed: int = 0) -> tuple[np.ndarray, ...]:
    from sklearn.datasets import load_digits as _load  # bundled with scikit-learn
    d = _load()
    x = (d.images / 16.0).astype("float32")[..., None]
    y = d.target.astype("int32")
    idx = np.random.default_rng(seed).permutation(len(x))
    n_test = len(x) // 5
    te, tr = idx[:n_test], idx[n_test:]
    return x[tr], y[tr], x[te], y[te]


# ------------------------------------------------------------------ theory

def _functional(init: wk.WinitInitializer, shape: tuple[int, ...]) -> np.ndarray:
    """The same kernel from the functional API (int seed: stream 0 of Generator(seed)).
    (The demo's initializers leave Keras' ``input_axes``/``output_axes`` at None.)"""
    cfg = init.get_config()
    seed = cfg.pop("seed")
    cfg.pop("input_axes", None), cfg.pop("output_axes", None)
    fn = getattr(winit, init.scheme.name)
    values: np.ndarray = fn(shape, **cfg, rng=seed)
    return values


def init_stats(layer: keras.layers.Layer, w: np.ndarray) -> dict[str, Any]:
    """Measured statistics of a kernel, the theory for its initializer and one
    scheme-specific check."""
    init = layer.kernel_initializer
    name = type(init).__name__
    w64 = w.astype(np.float64)
    fan_in, fan_out = winit.compute_fans(w.shape)
    row: dict[str, Any] = dict(layer=layer.name, init=name, shape=w.shape, mean=w64.mean(),
                               std=w64.std(), fans=(fan_in, fan_out))
    if name == "KaimingNormal":
        row["std_theory"] = init.gain / math.sqrt(fan_in)
        row["check"] = f"normal, gain sqrt(2), fan_in {fan_in}"
        row["ok"] = True
    elif name == "SparseInit":
        k = n_zeros(init.sparsity, w.shape[1])
        zeros = (w == 0).sum(axis=1)
        row["std_theory"] = init.std * math.sqrt(1 - k / w.shape[1])
        row["ok"] = bool((zeros == k).all())
        row["check"] = (f"zeros/row {zeros.min()}..{zeros.max()}, exactly "
                        f"ceil({init.sparsity} * {w.shape[1]}) = {k}")
    elif name == "Orthogonal":
        g = init.gain
        gram = w64.T @ w64 if w.shape[0] >= w.shape[1] else w64 @ w64.T
        err = np.abs(gram - g * g * np.eye(len(gram))).max()
        row["std_theory"] = g / math.sqrt(max(w.shape))
        row["ok"] = err < 1e-5 * g * g
        row["check"] = f"max|W^T W - g^2 I| = {err:.1e} (g = 5/3)"
    elif name == "GlorotUniform":
        a = math.sqrt(6 / (fan_in + fan_out))
        row["std_theory"] = a / math.sqrt(3)
        row["ok"] = bool(np.abs(w64).max() < a)
        row["check"] = f"|w| <= a = {a:.4f}: max {np.abs(w64).max():.4f}"
    elif name == "TruncatedNormal":
        lo, hi = init.mean + init.lo * init.std, init.mean + init.hi * init.std
        row["std_theory"] = init.std * TRUNC2_STD
        row["ok"] = bool(w64.min() >= lo and w64.max() <= hi)
        row["check"] = f"within [{lo:+.2f}, {hi:+.2f}]: [{w64.min():+.4f}, {w64.max():+.4f}]"
    else:
        row["std_theory"], row["check"], row["ok"] = float("nan"), "", True
    row["bits"] = bool(np.array_equal(w, _functional(init, w.shape)))
    return row


def print_table(rows: list[dict[str, Any]]) -> None:
    print(f"{'layer':11s} {'initializer':15s} {'shape':15s} {'mean':>8s} {'std':>7s} "
          f"{'theory':>7s}  {'= winit.fn':10s} check")
    for r in rows:
        print(f"{r['layer']:11s} {r['init']:15s} {str(r['shape']):15s} {r['mean']:+8.4f} "
              f"{r['std']:7.4f} {r['std_theory']:7.4f}  {'yes' if r['bits'] else 'NO':10s} "
              f"{'ok ' if r['ok'] else 'FAIL '}{r['check']}")


# ------------------------------------------------------------------ reload

def reload_and_predict(model_path: str, x_path: str, out_path: str) -> None:
    """The fresh process: the import rule, then load_model and predict."""
    import winit.keras  # noqa: F401  -- registers the classes: must precede load_model
    model = keras.models.load_model(model_path)
    x = np.load(x_path)
    np.save(out_path, np.asarray(model.predict(x, batch_size=512, verbose=0)))


def main(epochs: int = 12, out_dir: str | None = None, quiet: bool = False) -> int:
    t0 = time.perf_counter()
    backend = keras.backend.backend()
    keras.utils.set_random_seed(0)  # shuffling; the kernels have their own int seeds
    x_tr, y_tr, x_te, y_te = load_digits()
    print(f"winit {winit.__version__} demo: Keras {keras.__version__}, {backend} backend; "
          f"scikit-learn digits ({len(x_tr)} train / {len(x_te)} test 8x8 images, 10 classes)")
    model = build_model()
    dense = [layer for layer in model.layers if hasattr(layer, "kernel")]
    rows = [init_stats(layer, keras.ops.convert_to_numpy(layer.kernel)) for layer in dense]
    print("\nInitial kernels vs theory ('= winit.fn': bit-identical to the functional call "
          "with rng=seed)")
    print_table(rows)

    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    t = time.perf_counter()
    def report(epoch: int, logs: dict[str, Any]) -> None:
        if not quiet and (epoch == 0 or (epoch + 1) % 4 == 0 or epoch + 1 == epochs):
            print(f"  epoch {epoch + 1:3d}: loss {logs['loss']:.4f}, train accuracy "
                  f"{logs['accuracy']:.4f}  ({time.perf_counter() - t:.1f} s)", flush=True)
    print(f"\ntraining ({epochs} epochs, Adam, batch 64; the first epoch includes compilation)")
    model.fit(x_tr, y_tr, epochs=epochs, batch_size=64, verbose=0,
              callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=report)])
    t_fit = time.perf_counter() - t
    pred = np.asarray(model.predict(x_te, batch_size=512, verbose=0))
    acc = float((pred.argmax(-1) == y_te).mean())
    print(f"trained in {t_fit:.1f} s: test accuracy {acc:.4f} "
          f"({int(round(acc * len(y_te)))}/{len(y_te)})")

    tmp = out_dir or tempfile.mkdtemp(prefix="winit-demo-")
    os.makedirs(tmp, exist_ok=True)
    try:
        path = os.path.join(tmp, "winit_demo.keras")
        model.save(path)
        x_path, p_path = os.path.join(tmp, "x_test.npy"), os.path.join(tmp, "pred.npy")
        np.save(x_path, x_te)
        t = time.perf_counter()
        env = dict(os.environ, KERAS_BACKEND=backend)
        r = subprocess.run([sys.executable, "-m", "winit", "demo", "--reload", path, x_path,
                            p_path], env=env, capture_output=True, text=True)
        if r.returncode:
            print(r.stdout + r.stderr, file=sys.stderr)
            print("FAILED: the fresh process could not reload the model", file=sys.stderr)
            return 1
        same = np.array_equal(np.load(p_path), pred)
        where = (f"saved {path}" if out_dir is not None else "saved the model to a temporary "
                 "directory (removed at the end; keep it with --out DIR)")
        print(f"{where} ({os.path.getsize(path) // 1024} KiB); a fresh process ran "
              f"`import winit.keras; keras.models.load_model(...)` in "
              f"{time.perf_counter() - t:.1f} s:\n  predictions on the {len(x_te)} test images "
              f"{'identical (bit for bit)' if same else 'DIFFER'}")
    finally:
        if out_dir is None:
            shutil.rmtree(tmp, ignore_errors=True)
    ok = same and all(r["ok"] and r["bits"] for r in rows) and acc > 0.9
    print(f"\n{'ok' if ok else 'FAILED'}: total {time.perf_counter() - t0:.1f} s")
    return 0 if ok else 1
