"""Run dieharder on a source (``sources.py``) through a pipe and parse its table."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# "   diehard_birthdays|   0|       100|     100|0.54330347|  PASSED  "
_ROW = re.compile(r"^\s*([a-z0-9_]+)\|\s*(\d+)\|\s*(\d+)\|\s*(\d+)\|\s*([0-9.eE+-]+)\|\s*(\w+)\s*$")


# Tests that `dieharder -l` itself marks "Do Not Use": reported, left out of the verdict.
# diehard_sums fails good generators too once it has enough p-samples (recorded in
# docs/reliability.md: mt19937 and AES_OFB fail it at -p 1000 to 3000).
DO_NOT_USE = frozenset({"diehard_sums"})


@dataclass
class Row:
    source: str
    test: str
    ntup: int
    tsamples: int
    psamples: int
    pvalue: float
    assessment: str  # PASSED / WEAK / FAILED


def ensure_dieharder(install: bool = True) -> str | None:
    """Path of dieharder; installs the Debian package (apt-get) when missing and allowed."""
    exe = shutil.which("dieharder")
    if exe or not install:
        return exe
    apt = shutil.which("apt-get")
    if apt is None:
        return None
    print("dieharder not found: apt-get install -y dieharder", file=sys.stderr)
    subprocess.run([apt, "update", "-q"], check=False, stdout=subprocess.DEVNULL)
    subprocess.run([apt, "install", "-y", "-q", "dieharder"], check=False, stdout=subprocess.DEVNULL)
    return shutil.which("dieharder")


def parse(source: str, text: str) -> list[Row]:
    rows = []
    for line in text.splitlines():
        m = _ROW.match(line)
        if m:
            t, ntup, ts, ps, p, a = m.groups()
            rows.append(Row(source, t, int(ntup), int(ts), int(ps), float(p), a.upper()))
    return rows


def run(source: str, dieharder_args: list[str], log: Path | None = None,
        python: str = sys.executable) -> tuple[list[Row], float]:
    """Pipe ``python -m tests.battery.sources SOURCE`` into ``dieharder -g 200 ARGS``."""
    exe = ensure_dieharder()
    if exe is None:
        raise RuntimeError("dieharder is not installed and could not be installed")
    t0 = time.monotonic()
    src = subprocess.Popen([python, "-m", "tests.battery.sources", source], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    # dieharder's lines go to the log as each test ends (line-buffered), so a run that
    # is stopped early still leaves the tests it finished (`parse` reads any prefix)
    cmd = [exe, "-g", "200", *dieharder_args]
    if shutil.which("stdbuf"):
        cmd = ["stdbuf", "-oL", *cmd]
    with tempfile.TemporaryDirectory() as tmp:
        out = log if log is not None else Path(tmp) / "dieharder.log"
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(out, "w") as f:
                subprocess.run(cmd, stdin=src.stdout, stdout=f, stderr=subprocess.STDOUT)
        finally:
            src.stdout.close()
            src.kill()
            src.wait()
        text = out.read_text()
    return parse(source, text), time.monotonic() - t0


def as_dict(r: Row) -> dict:
    return asdict(r)


def final(rows: list[dict]) -> list[dict]:
    """The verdict rows: the last row of each (test, ntup) -- with -Y 1 dieharder repeats a
    WEAK test with more p-samples until it resolves, one row per attempt."""
    last: dict[tuple[str, int], dict] = {}
    for r in rows:
        last[r["test"], r["ntup"]] = r
    return list(last.values())


def failures(rows: list[dict]) -> int:
    """FAILED verdicts, leaving out the tests dieharder marks "Do Not Use"."""
    return sum(r["assessment"] == "FAILED" and r["test"] not in DO_NOT_USE for r in final(rows))
