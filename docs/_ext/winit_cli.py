"""``.. winit-cli-help:: [COMMAND]``: the ``--help`` text of ``python -m winit
[COMMAND]``, captured when the docs are built, so the CLI page cannot drift from the
parser."""
from __future__ import annotations

import contextlib
import io
from typing import Any


def help_text(command: str = "") -> str:
    from winit.__main__ import main
    out = io.StringIO()
    args = [*command.split(), "--help"]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        try:
            main(args)
        except SystemExit:
            pass
    return out.getvalue().rstrip()


def setup(app: Any) -> dict[str, Any]:
    from docutils import nodes
    from sphinx.util.docutils import SphinxDirective

    class CliHelp(SphinxDirective):
        optional_arguments = 1
        has_content = False

        def run(self) -> list[Any]:
            text = help_text(self.arguments[0] if self.arguments else "")
            node = nodes.literal_block(text, text)
            node["language"] = "text"
            return [node]

    app.add_directive("winit-cli-help", CliHelp)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
