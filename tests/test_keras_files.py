"""`.keras` files that carry winit initializers: what saving writes, and tampered files.

Saving writes nothing for a winit initializer but its JSON config (no pickles, no
code, no bytes); a file whose winit config was tampered with -- wrong types, values
out of range, unknown class names, a class or module swapped for one that would run
code -- fails to load with a clear error and runs nothing. (Values out of range and
wrong types inside a real model are in tests/test_keras.py too.)"""
from __future__ import annotations

import json
import os
import re
import zipfile

import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")

import winit.keras as wk  # noqa: E402

JSON_SCALARS = (str, int, float, bool, type(None))


def model():
    return keras.Sequential([
        keras.Input((6,)),
        keras.layers.Dense(8, kernel_initializer=wk.SparseInit(sparsity=0.5, std=0.3, seed=1),
                           bias_initializer=wk.Constant(0.1)),
        keras.layers.Dense(4, kernel_initializer=wk.Orthogonal(gain=2.0, seed=2),
                           bias_initializer=wk.RandomUniform(low=-0.1, high=0.1, seed=3)),
    ], name="m")


def winit_objects(node):
    """Every serialized winit object in a config tree."""
    if isinstance(node, dict):
        if str(node.get("module", "")).startswith("winit"):
            yield node
        for v in node.values():
            yield from winit_objects(v)
    elif isinstance(node, list):
        for v in node:
            yield from winit_objects(v)


def only_json_values(node):
    if isinstance(node, dict):
        return all(isinstance(k, str) and only_json_values(v) for k, v in node.items())
    if isinstance(node, list):
        return all(only_json_values(v) for v in node)
    return isinstance(node, JSON_SCALARS)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("k") / "m.keras"
    model().save(path)
    return path


def test_saving_writes_only_json_config_for_winit(saved):
    with zipfile.ZipFile(saved) as z:
        names = set(z.namelist())
        cfg = json.loads(z.read("config.json"))
    assert names == {"metadata.json", "config.json", "model.weights.h5"}
    objs = list(winit_objects(cfg))
    assert [o["class_name"] for o in objs] == ["SparseInit", "Constant", "Orthogonal",
                                               "RandomUniform"]
    for o in objs:
        assert set(o) == {"module", "class_name", "config", "registered_name"}
        assert o["module"] == "winit.keras" and o["registered_name"] == "winit>" + o["class_name"]
        assert only_json_values(o["config"]), o
        text = json.dumps(o["config"])
        assert "__lambda__" not in text and "__bytes__" not in text and "function" not in text


def rewrite(src, dst, edit):
    """Copy the .keras zip with its config.json edited by edit(first winit object)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "config.json":
                cfg = json.loads(data)
                edit(next(winit_objects(cfg)))
                data = json.dumps(cfg).encode()
            zout.writestr(item, data)


MARKER = "winit_tamper_marker"


def _swap(**kv):
    def edit(o):
        o.update(kv)
    return edit


def _cfg(**kv):
    def edit(o):
        o["config"].update(kv)
    return edit


TAMPERED = {
    # unknown class names
    "unknown winit class": (_swap(class_name="NoSuchInit", registered_name="winit>NoSuchInit"),
                            r"NoSuchInit"),
    "unknown module": (_swap(module="winit.nosuch", registered_name=None), r"SparseInit|nosuch"),
    # classes that would run code if they were imported and called
    "os.system": (_swap(module="os", class_name="system", registered_name=None,
                        config={"command": f"touch {MARKER}"}), r"system"),
    "builtins.eval": (_swap(module="builtins", class_name="eval", registered_name=None,
                            config={"source": f"open('{MARKER}', 'w')"}), r"eval"),
    "subprocess.Popen": (_swap(module="subprocess", class_name="Popen", registered_name=None,
                               config={"args": ["touch", MARKER]}), r"Popen"),
    # a lambda where a number belongs
    "lambda in a param": (_cfg(std={"class_name": "__lambda__", "config": {
        "code": "print(1)", "defaults": None, "closure": None}}), r"std"),
    # wrong types and values out of range
    "wrong type": (_cfg(sparsity="half"), r"sparsity"),
    "out of range": (_cfg(sparsity=-0.5), r"sparsity"),
    "not a dict": (_swap(config=[1, 2, 3]), r"SparseInit|config"),
    "seed a string": (_cfg(seed="1"), r"seed"),
}


@pytest.mark.parametrize("case", list(TAMPERED))
def test_tampered_file_is_rejected_and_runs_nothing(case, saved, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    edit, match = TAMPERED[case]
    bad = tmp_path / "bad.keras"
    rewrite(saved, bad, edit)
    with pytest.raises((TypeError, ValueError)) as e:
        keras.models.load_model(bad)
    assert re.search(match, str(e.value)), str(e.value)[-800:]
    assert not (tmp_path / MARKER).exists(), "loading ran code from the file"
