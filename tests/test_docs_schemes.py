"""Every ```python block of the scheme pages (docs/schemes/*.md) runs: the blocks of
one page in order, in one namespace, so the documentation cannot rot."""
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs" / "schemes"
PAGES = sorted(DOCS.glob("*.md"))
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def test_every_page_has_an_example():
    assert PAGES, f"no pages under {DOCS}"
    for page in PAGES:
        assert BLOCK.search(page.read_text()), f"{page.name} has no runnable example"


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_doc_examples_run(page, capsys):
    ns = {"__name__": f"docs.schemes.{page.stem}"}
    for m in BLOCK.finditer(page.read_text()):
        line = page.read_text()[:m.start()].count("\n") + 2
        code = compile("\n" * (line - 1) + m.group(1), str(page), "exec")
        exec(code, ns)  # noqa: S102 -- our own documentation
