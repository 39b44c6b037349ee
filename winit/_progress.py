"""Progress bars for long jobs (``python -m winit bench``, chunked ``sample --out``).

tqdm if it is installed, else rich, else nothing: both are optional (the ``bench``
extra installs tqdm). The bar goes to stderr, so what a command prints on stdout
(tables, JSON, arrays) is unchanged; it is shown only when stderr is a terminal,
unless ``enable=True``. ``WINIT_PROGRESS=0`` turns every bar off, ``=1`` forces it
on (both tqdm and rich still draw only what the stream takes), and
``WINIT_PROGRESS=tqdm|rich|none`` picks the library.
"""
from __future__ import annotations

import os
import sys
from contextlib import ExitStack, contextmanager
from typing import Any, TextIO
from collections.abc import Iterator

__all__ = ["Progress", "progress", "backend"]


class Progress:
    """The common face of every bar: ``update(n)`` and ``write(line)`` (a line of
    output that does not break the bar). The base class draws nothing."""

    def __init__(self, total: int | None, desc: str, unit: str, file: TextIO) -> None:
        self.total, self.desc, self.unit, self.file = total, desc, unit, file
        self.n = 0

    def update(self, n: int = 1) -> None:
        self.n += n

    def write(self, line: str) -> None:
        print(line, flush=True)

    def close(self) -> None:
        pass


class _Tqdm(Progress):
    def __init__(self, total: int | None, desc: str, unit: str, file: TextIO) -> None:
        super().__init__(total, desc, unit, file)
        from tqdm.auto import tqdm
        self._tqdm = tqdm
        self._bar = tqdm(total=total, desc=desc, unit=unit, file=file, leave=False,
                         dynamic_ncols=True)

    def update(self, n: int = 1) -> None:
        super().update(n)
        self._bar.update(n)

    def write(self, line: str) -> None:
        self._tqdm.write(line, file=sys.stdout)
        sys.stdout.flush()

    def close(self) -> None:
        self._bar.close()


class _Rich(Progress):
    def __init__(self, total: int | None, desc: str, unit: str, file: TextIO) -> None:
        super().__init__(total, desc, unit, file)
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress as RichProgress,
                                   TextColumn, TimeRemainingColumn)
        self._p = RichProgress(TextColumn("{task.description}"), BarColumn(),
                               MofNCompleteColumn(), TimeRemainingColumn(),
                               console=Console(file=file), transient=True)
        self._p.start()
        self._task = self._p.add_task(desc, total=total)

    def update(self, n: int = 1) -> None:
        super().update(n)
        self._p.update(self._task, advance=n)

    def close(self) -> None:
        self._p.stop()


def backend() -> str:
    """The library bars use here: "tqdm", "rich" or "none"."""
    want = os.environ.get("WINIT_PROGRESS", "").strip().lower()
    import importlib.util
    order = [want] if want in ("tqdm", "rich", "none") else ["tqdm", "rich"]
    for name in order:
        if name == "none":
            return "none"
        if importlib.util.find_spec(name) is not None:
            return name
    return "none"


def _enabled(enable: bool | None, file: TextIO) -> bool:
    env = os.environ.get("WINIT_PROGRESS", "").strip().lower()
    if env in ("0", "off", "false", "no", "none"):
        return False
    if enable is not None:
        return enable
    if env in ("1", "on", "true", "yes", "tqdm", "rich"):
        return True
    try:
        return file.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def progress(total: int | None, desc: str, *, unit: str = "it", enable: bool | None = None,
             file: TextIO | None = None) -> Iterator[Progress]:
    """A progress bar over ``total`` steps (None: unknown), closed on exit.

    Example::

        with progress(len(jobs), "bench") as bar:
            for job in jobs:
                bar.write(run(job))   # a result line, printed above the bar
                bar.update()
    """
    file = sys.stderr if file is None else file
    bar: Progress
    kind = backend() if _enabled(enable, file) else "none"
    try:
        bar = {"tqdm": _Tqdm, "rich": _Rich}.get(kind, Progress)(total, desc, unit, file)
    except Exception:  # a broken optional install never stops the job  # noqa: BLE001
        bar = Progress(total, desc, unit, file)
    try:
        yield bar
    finally:
        bar.close()


def dask_callback(desc: str = "compute", enable: bool | None = None) -> Any:
    """A dask callback that advances a bar as tasks finish (``with
    dask_callback(): arr.compute()``), or a no-op context without a bar."""
    from dask.callbacks import Callback

    class _Bar(Callback):
        bar: Progress | None = None

        def _start_state(self, dsk: Any, state: Any) -> None:
            total = sum(len(state[k]) for k in ("ready", "waiting", "running", "finished"))
            self._stack = ExitStack()
            self.bar = self._stack.enter_context(progress(total, desc, unit="task",
                                                          enable=enable))

        def _posttask(self, key: Any, result: Any, dsk: Any, state: Any, id: Any) -> None:
            if self.bar is not None:
                self.bar.update()

        def _finish(self, dsk: Any, state: Any, errored: bool) -> None:
            self._stack.close()

    return _Bar()  # type: ignore[no-untyped-call]  # (dask.callbacks.Callback.__init__)
