"""Static checks: ``ruff check .`` and ``mypy --strict winit`` (configured in
pyproject.toml) when the tools are installed (the ``lint`` extra; .ci/run installs
it), and that the type information ships: ``py.typed``, a ``.pyi`` stub for every
Cython module that matches what the module defines, and the names ``winit.keras``
declares for type checkers."""
import ast
import importlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "winit"


def _tool(name: str) -> None:
    if importlib.util.find_spec(name) is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[lint]')")


def test_ruff_clean():
    _tool("ruff")
    r = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-5000:] + r.stderr[-2000:]


@pytest.mark.slow
def test_mypy_strict():
    """~10 s warm, up to a minute cold (numpy's stubs): marked slow, run by .ci/run."""
    _tool("mypy")
    env = dict(os.environ, MYPY_FORCE_COLOR="0")
    r = subprocess.run([sys.executable, "-m", "mypy", "--strict", "winit"], cwd=ROOT,
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
    assert "Success" in r.stdout


def test_package_is_typed():
    assert (PKG / "py.typed").is_file()
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["winit"]
    assert "py.typed" in data and "_core/*.pyi" in data


def _stub_names(path: Path) -> set[str]:
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


@pytest.mark.parametrize("module", ["_core", "_mathcheck"])
def test_cython_stub_matches_the_module(module):
    """Each compiled module's stub declares every public name the module defines, and
    nothing the module lacks."""
    import types
    stub = PKG / "_core" / f"{module}.pyi"
    assert stub.is_file()
    mod = importlib.import_module(f"winit._core.{module}")
    declared = _stub_names(stub)
    public = {n for n, v in vars(mod).items()
              if not n.startswith("_") and not isinstance(v, types.ModuleType)}
    assert declared - set(vars(mod)) == set(), "the stub names what the module lacks"
    assert public - declared == set(), f"not in {stub.name}"


def test_keras_names_declared_for_type_checkers():
    os.environ.setdefault("KERAS_BACKEND", "jax")  # as tests/test_keras.py
    pytest.importorskip("keras")
    wk = importlib.import_module("winit.keras")
    tree = ast.parse((PKG / "keras" / "__init__.py").read_text())
    declared = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            declared |= {n.target.id for n in node.body if isinstance(n, ast.AnnAssign)}
    assert declared == set(wk.CLASSES) | set(wk.ALIAS_CLASSES)


def test_init_stub_is_current():
    """winit/__init__.pyi is generated from the registry (tests/data/make_init_stub.py):
    a scheme or parameter added without regenerating it fails here."""
    sys.path.insert(0, str(ROOT / "tests" / "data"))
    try:
        import make_init_stub
    finally:
        sys.path.pop(0)
    assert (PKG / "__init__.pyi").read_text() == make_init_stub.render(), \
        "stale: run python tests/data/make_init_stub.py"
    stub = ast.parse((PKG / "__init__.pyi").read_text())
    named = {n.name for n in stub.body if isinstance(n, ast.FunctionDef)}
    named |= {t.id for n in stub.body if isinstance(n, ast.Assign) for t in n.targets
              if isinstance(t, ast.Name)}
    named |= {t.target.id for t in stub.body if isinstance(t, ast.AnnAssign)}
    named |= {a.asname or a.name for n in stub.body if isinstance(n, ast.ImportFrom)
              for a in n.names}
    import winit
    assert set(winit.__all__) - named == set()


USER_CODE = '''
from typing import Any
from numpy.typing import NDArray
import winit

a: NDArray[Any] = winit.glorot_uniform((3, 4), rng=0)
i: winit.Initializer = winit.kaiming_normal(mode="fan_out", distribution="truncated_normal")
g = winit.normal((3,), device="cuda")
z: NDArray[Any] = winit.zeros32((2, 2))
x: NDArray[Any] = winit.xavier_uniform((2, 2), layout="torch")
u: NDArray[Any] = winit.uniform((2,), -1.0, 1.0, dtype="float64")
s: NDArray[Any] = winit.sparse_init((4, 4), sparsity=0.5)
r: NDArray[Any] = winit.truncated_normal((8,), rng=winit.Generator(1), region=(slice(0, 4),))
b: int = winit.glorot_uniform((3, 4))  # E
winit.glorot_uniform((3, 4), gain="2")  # E
winit.kaiming_normal((3, 4), mode="fan")  # E
winit.sparse_init((3, 4))  # E
winit.zeros32((2, 2), dtype="float64")  # E
winit.orthogonal((3, 3), layout="jax")  # E
winit.normal((3,), rng="seed")  # E
'''


@pytest.mark.slow
def test_the_stub_types_user_code(tmp_path):
    """mypy on code that uses winit: the correct calls pass, each line marked ``# E`` is
    an error (a wrong type, an unknown Literal, a missing required parameter, ...)."""
    _tool("mypy")
    f = tmp_path / "user.py"
    f.write_text(USER_CODE)
    env = dict(os.environ, MYPYPATH=str(ROOT), MYPY_FORCE_COLOR="0")
    r = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                        "--follow-imports=silent", str(f)], cwd=tmp_path, capture_output=True,
                       text=True, env=env)
    lines = {int(ln.split(":")[1]) for ln in r.stdout.splitlines() if ": error:" in ln}
    want = {i for i, ln in enumerate(USER_CODE.splitlines(), 1) if ln.endswith("# E")}
    assert lines == want, r.stdout[-4000:]
