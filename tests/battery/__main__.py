"""python -m tests.battery: the long statistical battery (not part of pytest).

    python -m tests.battery                      # dieharder -a -Y 1 on every source, then ours
    python -m tests.battery --quick              # a few dieharder tests per source, ours on small n
    python -m tests.battery --sources fill,streams --jobs 2
    python -m tests.battery --no-dieharder       # only our own cross-stream tests
    python -m tests.battery --report results/    # re-print the tables of a finished run

Results go to --out (default tests/battery/results/): one dieharder log and JSON per
source, own.json, and summary.md (the tables docs/reliability.md quotes).
Exit status 1 if any test FAILED (p < 1e-6 after dieharder's -Y 1 resolution), not counting
the tests `dieharder -l` marks "Do Not Use" (dieharder.DO_NOT_USE).
"""
from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import dieharder as dh
from .sources import SOURCES

HERE = Path(__file__).resolve().parent
FULL_ARGS = ["-a", "-Y", "1"]  # all tests; resolve WEAK by adding p-samples (pass or fail)
QUICK_TESTS = ["0", "1", "2", "3", "100", "101", "202"]


def run_source(name: str, quick: bool, out: Path) -> list[dict]:
    if quick:
        rows, secs = [], 0.0
        for d in QUICK_TESTS:
            r, s = dh.run(name, ["-d", d], out / f"{name}-d{d}.log")
            rows += r
            secs += s
    else:
        rows, secs = dh.run(name, FULL_ARGS, out / f"{name}.log")
    res = [dh.as_dict(r) for r in rows]
    (out / f"{name}.json").write_text(json.dumps(dict(source=name, seconds=secs, rows=res), indent=1))
    fin = dh.final(res)
    print(f"[battery] {name}: {len(fin)} tests in {secs / 60:.1f} min: "
          f"{sum(r['assessment'] == 'PASSED' for r in fin)} passed, "
          f"{sum(r['assessment'] == 'WEAK' for r in fin)} weak, "
          f"{dh.failures(res)} failed (not counting {', '.join(sorted(dh.DO_NOT_USE))})",
          flush=True)
    return res


def summary(out: Path) -> str:
    """Markdown: per-source counts, then a test x source matrix of assessments."""
    runs = {}
    for f in sorted(out.glob("*.json")):
        if f.name in ("own.json", "meta.json"):
            continue
        d = json.loads(f.read_text())
        runs[d["source"]] = d
    lines = []
    if runs:
        names = [s for s in SOURCES if s in runs]
        lines += ["Verdicts: the last row of each test (with `-Y 1` a WEAK test is repeated with "
                  "more p-samples until it resolves; the matrix shows every row). Tests that "
                  f"`dieharder -l` marks \"Do Not Use\" ({', '.join(sorted(dh.DO_NOT_USE))}) are "
                  "shown but not counted.", "",
                  "| source | tests | passed | weak | failed | not counted | minutes |",
                  "|---|---|---|---|---|---|---|"]
        for s in names:
            fin = dh.final(runs[s]["rows"])
            used = [r for r in fin if r["test"] not in dh.DO_NOT_USE]
            c = {a: sum(r["assessment"] == a for r in used) for a in ("PASSED", "WEAK", "FAILED")}
            lines.append(f"| `{s}` | {len(used)} | {c['PASSED']} | {c['WEAK']} | {c['FAILED']} | "
                         f"{len(fin) - len(used)} | {runs[s]['seconds'] / 60:.0f} |")
        lines += ["", "| test (ntup) | " + " | ".join(names) + " |",
                  "|---|" + "---|" * len(names)]
        keys = []
        for s in names:
            for r in runs[s]["rows"]:
                k = (r["test"], r["ntup"])
                if k not in keys:
                    keys.append(k)
        for k in keys:
            cells = []
            for s in names:
                got = [r for r in runs[s]["rows"] if (r["test"], r["ntup"]) == k]
                if not got:
                    cells.append("")
                    continue
                cells.append(" ".join(f"{r['assessment'].lower()} {r['pvalue']:.3f}" for r in got))
            lines.append(f"| {k[0]} ({k[1]}) | " + " | ".join(cells) + " |")
    ownf = out / "own.json"
    if ownf.exists():
        from .own import markdown
        lines += ["", markdown(json.loads(ownf.read_text()))]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.battery", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sources", default=",".join(SOURCES),
                    help=f"comma-separated, from {', '.join(SOURCES)}")
    ap.add_argument("--quick", action="store_true", help="a few dieharder tests, small own tests")
    ap.add_argument("--jobs", type=int, default=2, help="dieharder runs in parallel")
    ap.add_argument("--no-dieharder", action="store_true")
    ap.add_argument("--no-own", action="store_true")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("--report", type=Path, default=None, help="print the summary of a finished run")
    a = ap.parse_args(argv)
    if a.report is not None:
        print(summary(a.report))
        return 0
    out = a.out
    out.mkdir(parents=True, exist_ok=True)
    import winit
    (out / "meta.json").write_text(json.dumps(dict(
        started=time.strftime("%Y-%m-%d %H:%M:%S"), quick=a.quick, python=sys.version,
        machine=platform.platform(), winit_file=winit.__file__,
        git=subprocess.run(["git", "rev-parse", "HEAD"], cwd=HERE, capture_output=True,
                           text=True).stdout.strip()), indent=1))
    failed = 0
    if not a.no_own:
        from .own import run_all
        res = run_all(quick=a.quick)
        (out / "own.json").write_text(json.dumps(res, indent=1))
        failed += sum(r["assessment"] == "FAILED" for r in res)
        print(f"[battery] own tests: {len(res)} results, "
              f"{sum(r['assessment'] == 'FAILED' for r in res)} failed", flush=True)
    if not a.no_dieharder:
        if dh.ensure_dieharder() is None:
            print("[battery] dieharder unavailable (no apt-get?)", file=sys.stderr)
            return 2
        names = [s.strip() for s in a.sources.split(",") if s.strip()]
        for s in names:
            if s not in SOURCES:
                ap.error(f"unknown source {s!r}")
        with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
            for rows in ex.map(lambda s: run_source(s, a.quick, out), names):
                failed += dh.failures(rows)
    text = summary(out)
    (out / "summary.md").write_text(text)
    print(text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
