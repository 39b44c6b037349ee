"""First contact with Keras: which backend ``import keras`` will load (found without
importing it), the message of ``import winit.keras`` when Keras is configured for a
backend that is not installed or is missing, and the docs that say so."""
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from winit import _config

ROOT = Path(__file__).resolve().parents[1]
HAVE_KERAS = importlib.util.find_spec("keras") is not None
HAVE_TF = importlib.util.find_spec("tensorflow") is not None


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    return tmp_path


# ------------------------------------------------------------------ the backend, as Keras decides

def test_backend_from_the_environment_variable(keras_home, monkeypatch):
    (keras_home / "keras.json").write_text('{"backend": "torch"}')
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    k = _config.keras_backend()
    assert (k["backend"], k["source"], k["package"]) == ("jax", "KERAS_BACKEND", "jax")
    assert k["installed"] == (importlib.util.find_spec("jax") is not None)
    monkeypatch.setenv("KERAS_BACKEND", "")  # empty: ignored, as Keras does
    assert _config.keras_backend()["backend"] == "torch"


def test_backend_from_keras_json_and_the_default(keras_home):
    path = str(keras_home / "keras.json")
    k = _config.keras_backend()
    assert (k["backend"], k["source"], k["config_path"]) == ("tensorflow", "default", path)
    (keras_home / "keras.json").write_text('{"floatx": "float32"}')  # no "backend"
    assert _config.keras_backend()["source"] == "default"
    (keras_home / "keras.json").write_text("{not json")  # Keras reads it as {}
    assert _config.keras_backend()["source"] == "default"
    (keras_home / "keras.json").write_text(json.dumps({"backend": "torch"}))
    k = _config.keras_backend()
    assert (k["backend"], k["source"]) == ("torch", path)


def test_keras_home_defaults_to_dot_keras(monkeypatch, tmp_path):
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert _config.keras_config_path() == str(tmp_path / ".keras" / "keras.json")


@pytest.mark.skipif(HAVE_TF or not HAVE_KERAS, reason="needs keras without tensorflow")
def test_problem_names_the_backend_its_source_and_the_fix(keras_home, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    p = _config.keras_backend()["problem"]
    assert p.startswith("Keras is configured for the 'tensorflow' backend (from the "
                        "KERAS_BACKEND environment variable), but tensorflow is not installed.")
    assert "Fix: export KERAS_BACKEND=" in p and "keras.json" not in p
    monkeypatch.delenv("KERAS_BACKEND")
    (keras_home / "keras.json").write_text('{"backend": "tensorflow"}')
    p = _config.keras_backend()["problem"]
    assert f"(from {keras_home / 'keras.json'}; Keras writes its default" in p
    assert 'set "backend": ' in p and f"in {keras_home / 'keras.json'}" in p


def test_an_installed_backend_is_no_problem(keras_home, monkeypatch):
    if not HAVE_KERAS or importlib.util.find_spec("jax") is None:
        pytest.skip("needs keras and jax")
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    assert _config.keras_backend()["problem"] is None


# ------------------------------------------------------------------ import winit.keras

def _import_winit_keras(env, code="import winit.keras"):
    e = {k: v for k, v in os.environ.items() if k not in ("KERAS_BACKEND", "KERAS_HOME")}
    e.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=e, timeout=300)


@pytest.mark.skipif(HAVE_TF or not HAVE_KERAS, reason="needs keras without tensorflow")
def test_import_with_keras_backend_set_to_a_missing_backend(tmp_path):
    r = _import_winit_keras({"KERAS_BACKEND": "tensorflow", "KERAS_HOME": str(tmp_path)})
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: winit.keras cannot import Keras: Keras is configured "
                           "for the 'tensorflow' backend (from the KERAS_BACKEND environment "
                           "variable), but tensorflow is not installed."), last
    assert "Fix: export KERAS_BACKEND=" in last and "pip install 'winit[keras]'" not in last


@pytest.mark.skipif(HAVE_TF or not HAVE_KERAS, reason="needs keras without tensorflow")
def test_import_with_keras_json_naming_a_missing_backend(tmp_path):
    (tmp_path / "keras.json").write_text('{"backend": "tensorflow"}')
    r = _import_winit_keras({"KERAS_HOME": str(tmp_path)})
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert (f"winit.keras cannot import Keras: Keras is configured for the 'tensorflow' "
            f"backend (from {tmp_path / 'keras.json'}") in last, last
    assert 'set "backend": ' in last and "export KERAS_BACKEND=" in last


def test_import_without_keras_keeps_the_install_message(tmp_path):
    r = _import_winit_keras({"KERAS_HOME": str(tmp_path)},
                            "import sys; sys.modules['keras'] = None; import winit.keras")
    assert r.returncode == 1
    assert r.stderr.strip().splitlines()[-1] == (
        "ImportError: winit.keras needs Keras 3 and a backend (jax, torch or tensorflow): "
        "pip install 'winit[keras]' (Keras + jax)")


# ------------------------------------------------------------------ the docs say it

def test_docs_keras_troubleshooting_quotes_the_errors():
    doc = (ROOT / "docs" / "keras.md").read_text()
    sec = doc[doc.index("## Troubleshooting"):]
    # Keras 3.15's text when a model is loaded without `import winit.keras`
    # (reproduced by tests/test_keras_saving.py::test_missing_import_is_the_documented_keras_error)
    for quote in ("TypeError: <class 'keras.src.models.sequential.Sequential'> could not be "
                  "deserialized properly.",
                  "Exception encountered: Could not interpret initializer identifier: "
                  "{'module': 'winit.keras', 'class_name': 'SparseInit'",
                  "'registered_name': 'winit>SparseInit'}",
                  "No module named 'tensorflow'",
                  "winit.keras cannot import Keras: Keras is configured for the 'tensorflow' "
                  "backend",
                  "export KERAS_BACKEND=jax", "keras.json", "winit info"):
        assert quote in sec, quote
    assert re.search(r"import winit\.keras.*\n(.*\n)*?model = keras\.models\.load_model", sec)


def test_readme_shows_the_import_next_to_load_model_and_the_backend():
    readme = (ROOT / "README.md").read_text()
    block = readme[readme.index("## Keras 3"):]
    block = block[:block.index("```", block.index("```python") + 3)]
    assert re.search(r"import winit\.keras.*\n(.*\n)*.*keras\.models\.load_model", block), block
    assert "KERAS_BACKEND" in readme[readme.index("## Keras 3"):readme.index("## Layout")]
