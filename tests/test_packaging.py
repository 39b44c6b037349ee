"""Packaging: ``python -m build`` of a copy of the tracked sources (no Cython-generated C
there: the sdist ships the .pyx and the wheel is built from the sdist, with Cython as
a build requirement), the contents and metadata of both, then ``pip install`` of the
wheel into a fresh venv and a smoke test there (import, the same bits as this
checkout, the console script, the optional extras missing cleanly).

It builds everything and downloads the build requirements and numpy/ml_dtypes, so it
runs only when asked: ``WINIT_TEST_PACKAGING=1 pytest -m slow tests/test_packaging.py``
(about 5-10 minutes on 2 cores). ``WINIT_BUILD_CUDA`` is passed through; it defaults to
0 here (no fatbin: nvcc would add minutes; tests/test_kernels_host.py checks that build)."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest

import winit

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("WINIT_TEST_PACKAGING") != "1",
                       reason="set WINIT_TEST_PACKAGING=1 to build and install the wheel"),
]


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert r.returncode == 0, f"{cmd}\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
    return r


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """sdist + wheel built by ``python -m build`` from a copy of the tracked files."""
    tmp = tmp_path_factory.mktemp("pkg")
    src = tmp / "src"
    files = run(["git", "ls-files", "-z"], cwd=ROOT).stdout.split("\0")
    for f in filter(None, files):
        if (ROOT / f).is_file():
            (src / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, src / f)
    assert not list(src.glob("winit/_core/_core.c")), "generated C is committed"
    env = dict(os.environ, WINIT_BUILD_CUDA=os.environ.get("WINIT_BUILD_CUDA", "0"))
    run([sys.executable, "-m", "build", "--outdir", str(tmp / "dist"), str(src)], env=env,
        timeout=3600)
    sdists = list((tmp / "dist").glob("winit-*.tar.gz"))
    wheels = list((tmp / "dist").glob("winit-*.whl"))
    assert len(sdists) == 1 and len(wheels) == 1, list((tmp / "dist").iterdir())
    return tmp, sdists[0], wheels[0]


def test_sdist_ships_sources_not_generated_c(dist):
    _, sdist, _ = dist
    names = {n.split("/", 1)[1] for n in tarfile.open(sdist).getnames() if "/" in n}
    for f in ("pyproject.toml", "setup.py", "README.md", "LICENSE", "MANIFEST.in",
              "winit/_core/_core.pyx", "winit/_core/_core.pxd", "winit/_core/_core.pyi",
              "winit/_core/_mathcheck.pyx", "winit/_core/_mathcheck.pyi", "winit/py.typed",
              "winit/_core/fill.c", "winit/_core/simd_avx2.c", "winit/_core/fill.h",
              "winit/_core/include/winit/element.h", "kernels/winit_kernels.cu",
              "kernels/build_fatbin.py", "tests/test_packaging.py", "docs/conf.py"):
        assert f in names, f
    assert "winit/_core/_core.c" not in names and "winit/_core/_mathcheck.c" not in names
    assert not [n for n in names if n.endswith((".so", ".pyc", ".fatbin"))]


def test_wheel_contents_and_metadata(dist):
    _, _, wheel = dist
    z = zipfile.ZipFile(wheel)
    names = set(z.namelist())
    assert any(n.startswith("winit/_core/_core.") and n.endswith(".so") for n in names)
    for f in ("winit/py.typed", "winit/_core/_core.pyi", "winit/_core/_mathcheck.pyi",
              "winit/_core/include/winit/element.h", "winit/_kernels/winit_kernels.cu",
              "winit/__main__.py", "winit/keras/__init__.py", "winit/dask.py"):
        assert f in names, f
    assert not [n for n in names if n.startswith(("tests/", "docs/"))]
    info = next(n for n in names if n.endswith(".dist-info/METADATA"))
    meta = z.read(info).decode()
    assert "License-Expression: BSD-3-Clause" in meta
    assert "Classifier: Typing :: Typed" in meta
    for extra in ("keras", "cuda", "dask", "test", "docs", "bench"):
        assert f"Provides-Extra: {extra}" in meta, extra
    ep = z.read(info.replace("METADATA", "entry_points.txt")).decode()
    assert "winit = winit.__main__:main" in ep


SMOKE = textwrap.dedent("""
    import hashlib, importlib.util, json, subprocess, sys
    from pathlib import Path
    import numpy as np
    import winit
    out = {"version": winit.__version__, "file": winit.__file__}
    g = winit.Generator(42)
    a, b = winit.normal((256, 64), rng=g), winit.normal((256, 64), rng=g)
    assert (a != b).any() and g.position == 2
    block = winit.normal((256, 64), rng=42, region=(slice(100, 164),))
    assert (block == a[100:164]).all()
    for name in ("glorot_uniform", "truncated_normal", "sparse_init", "orthogonal",
                 "identity_init"):
        kw = {"sparsity": 0.5} if name == "sparse_init" else {}
        w = getattr(winit, name)((96, 80), rng=7, **kw)
        out[name] = hashlib.sha256(np.ascontiguousarray(w).tobytes()).hexdigest()
    out["bf16"] = hashlib.sha256(
        winit.normal((1000,), rng=3, dtype="bfloat16").tobytes()).hexdigest()
    out["typed"] = Path(winit.__file__).with_name("py.typed").is_file()
    try:
        import winit.keras  # noqa: F401
        out["keras"] = "imported"
    except ImportError as e:
        out["keras"] = str(e)
    exe = Path(sys.executable).with_name("winit")
    out["sample"] = subprocess.run([str(exe), "sample", "normal", "--shape", "3",
                                    "--seed", "1"], capture_output=True, text=True).stdout
    info = subprocess.run([str(exe), "info", "--json"], capture_output=True, text=True)
    out["info_rc"], out["info"] = info.returncode, json.loads(info.stdout)
    demo = subprocess.run([sys.executable, "-m", "winit", "demo"], capture_output=True,
                          text=True)
    out["demo"] = [demo.returncode, demo.stderr]
    print(json.dumps(out))
""")


def test_wheel_installs_in_a_fresh_venv_and_works(dist, tmp_path):
    tmp, _, wheel = dist
    venv = tmp / "venv"
    if not venv.exists():
        run([sys.executable, "-m", "venv", str(venv)])
    py = venv / "bin" / "python"
    run([str(py), "-m", "pip", "install", "-q", str(wheel)], timeout=1800)
    (tmp_path / "smoke.py").write_text(SMOKE)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "WINIT_"))}
    r = run([str(py), str(tmp_path / "smoke.py")], cwd=tmp_path, env=env, timeout=600)
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["version"] == winit.__version__
    assert str(venv) in out["file"], "imported the checkout, not the wheel"
    # the same bits as this checkout's build
    for name in ("glorot_uniform", "truncated_normal", "sparse_init", "identity_init"):
        kw = {"sparsity": 0.5} if name == "sparse_init" else {}
        w = getattr(winit, name)((96, 80), rng=7, **kw)
        assert out[name] == hashlib.sha256(w.tobytes()).hexdigest(), name
    assert out["bf16"] == hashlib.sha256(
        winit.normal((1000,), rng=3, dtype="bfloat16").tobytes()).hexdigest()
    assert out["typed"] is True
    assert "pip install 'winit[keras]'" in out["keras"]
    assert out["sample"].strip() == str(winit.normal(3, rng=1))
    assert out["info_rc"] == 0 and out["info"]["version"] == winit.__version__
    assert out["info"]["extras"]["keras"]["keras"] is None  # a bare install: no extras
    assert out["demo"][0] == 1 and 'pip install -e ".[demo]"' in out["demo"][1]
