"""The Sphinx site (docs/). The full build -- ``sphinx-build -W`` of the HTML and of
every ``>>>`` example (doctest builder), gallery included -- takes a minute or more on
2 cores, so it is marked slow here (``pytest -m slow tests/test_docs_build.py``) and is
a step of .ci/run; the checks that need no Sphinx run by default."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
TOCTREE = re.compile(r"```\{toctree\}\n(.*?)```", re.S)


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", text, re.S).group(1)
    return [ln.split("#")[0].strip() for ln in block.splitlines() if ln.strip()]


def test_getting_started_has_the_readme_commands():
    page = (DOCS / "getting-started.md").read_text()
    cmds = readme_commands()
    assert len(cmds) == 2
    for c in cmds:
        assert c in page, c


def test_every_page_is_in_a_toctree():
    """Sphinx -W fails on a page no toctree reaches: catch it without Sphinx."""
    listed = set()
    for page in DOCS.rglob("*.md"):
        if "_build" in page.parts:
            continue
        for block in TOCTREE.findall(page.read_text()):
            for ln in block.splitlines():
                ln = ln.strip()
                if ln and not ln.startswith(":"):
                    listed.add((page.parent / ln).relative_to(DOCS).as_posix())
    pages = {p.relative_to(DOCS).with_suffix("").as_posix() for p in DOCS.rglob("*.md")
             if "_build" not in p.parts}
    assert pages - {"index"} == listed, (pages - listed, listed - pages)


def test_the_guides_the_issue_asks_for_are_there():
    for page in ("getting-started", "api", "gallery", "keras", "reproducibility", "gpu",
                 "scale-out", "benchmarks", "reliability", "cli", "simd", "architecture",
                 "schemes/index",
                 "schemes/basic", "schemes/variance-scaling", "schemes/orthogonal",
                 "schemes/sparse", "schemes/identity", "schemes/constant"):
        assert (DOCS / f"{page}.md").is_file(), page


def test_readme_layout_table_matches_the_tree():
    """Every path the README's layout table names exists, and every file of the header
    set and every Python module directly under winit/ is named in it."""
    text = (ROOT / "README.md").read_text()
    table = text[text.index("## Layout"):].split("\n\n")[1]
    named = set(re.findall(r"`([^`]+)`", table))
    for row in table.splitlines()[2:]:
        for path in re.findall(r"`([^`]+)`", row.split("|")[1]):
            assert (ROOT / path).exists(), path
    headers = {p.name for p in (ROOT / "winit/_core/include/winit").glob("*.h")}
    assert headers <= named, headers - named
    modules = {p.name for p in (ROOT / "winit").glob("_*.py")} - {"__init__.py", "__main__.py"}
    described = {m for m in modules if any(m in row for row in table.splitlines())}
    engine = {"_plan.py", "_registry.py", "_catalog.py", "_sampling.py", "_structured.py",
              "_orthogonal.py"}
    assert engine <= described, engine - described


def test_benchmarks_page_has_a_measured_table():
    page = (DOCS / "benchmarks.md").read_text()
    assert "python -m winit bench" in page
    assert re.search(r"\b20\d\d-\d\d-\d\d\b", page), "no date of the measurement"
    assert "ns/element" in page
    assert re.search(r"^\| uniform \| float32 \| 1 \|( [\d.*]+ \|){2}", page, re.M), "no table"


def test_docs_extra_is_declared():
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    names = {re.match(r"[A-Za-z0-9_.\-]+", r).group(0).lower() for r in extras["docs"]}
    assert {"sphinx", "myst-parser", "matplotlib"} <= names


def sphinx(builder: str, out: Path, doctrees: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, KERAS_BACKEND="jax", MPLBACKEND="Agg", PYTHONWARNINGS="ignore")
    return subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", builder,
                           "-d", str(doctrees), str(DOCS), str(out)],
                          capture_output=True, text=True, env=env, timeout=1200)


@pytest.mark.slow
def test_sphinx_build_html_and_doctest(tmp_path):
    """``sphinx-build -W`` (warnings are errors): the HTML site, then every ``>>>``
    example of the pages and of the docstrings autodoc pulls in."""
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_parser")
    pytest.importorskip("matplotlib")
    doctrees = tmp_path / "doctrees"
    r = sphinx("html", tmp_path / "html", doctrees)
    assert r.returncode == 0, (r.stdout + r.stderr)[-6000:]
    html = tmp_path / "html"
    for page in ("index", "getting-started", "api", "gallery", "benchmarks", "cli",
                 "keras", "schemes/orthogonal"):
        assert (html / f"{page}.html").stat().st_size > 1000, page
    gallery = (html / "gallery.html").read_text()
    images = re.findall(r'<img [^>]*src="(_images/[^"]+\.png)"', gallery)
    assert len(images) >= 18 and all((html / i).stat().st_size > 2000 for i in images)
    api = (html / "api.html").read_text()
    for name in ("winit.glorot_uniform", "winit.Generator", "winit.keras.SparseInit",
                 "winit.dask.array", "winit.compute_fans"):
        assert f'id="{name}"' in api, name
    r = sphinx("doctest", tmp_path / "doctest", doctrees)
    assert r.returncode == 0, (r.stdout + r.stderr)[-6000:]
    out = (tmp_path / "doctest" / "output.txt").read_text()
    m = re.search(r"(\d+) tests\s+(\d+) failures? in tests", out)
    assert m and int(m.group(1)) > 20 and int(m.group(2)) == 0, out[-3000:]
