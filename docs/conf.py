"""Sphinx configuration for the winit documentation.

Build (warnings are errors, as in CI)::

    pip install -e ".[docs]"
    sphinx-build -W -b html docs docs/_build/html       # the site
    sphinx-build -W -b doctest docs docs/_build/doctest # run the >>> examples

The Markdown pages (docs/*.md, docs/schemes/*.md) are read as they are by MyST. The
gallery (docs/gallery.md) is drawn at build time by docs/_ext/winit_gallery.py into
docs/_gallery/ (not committed)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
# winit.keras imports Keras: pin a CPU backend before anything imports it
os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

import winit  # noqa: E402  (the installed package: pip install -e .)

project = "winit"
author = "winit developers"
copyright = "winit developers"  # noqa: A001 (Sphinx's name)
release = winit.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "winit_gallery",
    "winit_cli",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "_gallery", "Thumbs.db", ".DS_Store"]

# ---- MyST: the existing pages as they are (``#anchor`` links to headings work)
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 4

# ---- autodoc / napoleon (Google-style "Args:", "Examples:" sections)
autodoc_default_options = {"members": False, "undoc-members": False}
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
autosummary_generate = False  # tables only: the entries live on the API page
napoleon_google_docstring = True
napoleon_numpy_docstring = True
napoleon_use_rtype = False
# the schemes' shared argument list (winit/_schemes.py: _COMMON_DOC)
napoleon_custom_sections = [("Common arguments", "params_style")]

# ---- doctest: every >>> example (docstrings pulled in by autodoc, and the pages)
doctest_global_setup = """
import numpy as np
import winit
"""
doctest_test_doctest_blocks = "default"

# ---- gallery (docs/_ext/winit_gallery.py)
winit_gallery_dir = "_gallery"

# ---- HTML
html_theme = "alabaster"
html_title = f"winit {release}"
html_theme_options = {
    "description": "Fast, bit-reproducible neural-network weight initialization",
    "fixed_sidebar": True,
    "page_width": "1100px",
    "sidebar_width": "240px",
}
html_static_path: list[str] = []
pygments_style = "sphinx"
nitpicky = False
