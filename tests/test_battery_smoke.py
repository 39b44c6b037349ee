"""Smoke version of the statistical battery (the full one: ``python -m tests.battery``,
see docs/reliability.md): the byte sources feed dieharder exactly the words they
claim, our own cross-stream tests run on small n, and dieharder's birthday test
passes on a short stream (skipped when dieharder is not installed)."""
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import winit  # noqa: E402
from tests.battery import dieharder as dh, own, sources  # noqa: E402
from winit._plan import bits  # noqa: E402


def first(name, nbytes):
    buf = b""
    for chunk in sources.SOURCES[name]():
        buf += chunk
        if len(buf) >= nbytes:
            return buf[:nbytes]


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(sources, "CHUNK", 1 << 12)


def test_fill_source_is_the_raw_philox_stream():
    n = 3 * (1 << 12) + 8  # crosses chunk boundaries
    got = np.frombuffer(first("fill", 4 * n), np.uint32)
    key = np.array(winit.Generator(0).key, np.uint32)
    c = np.zeros((n // 4, 4), np.uint32)
    c[:, 0] = np.arange(n // 4)
    np.testing.assert_array_equal(got, winit.philox4x32(c, key).reshape(-1))
    np.testing.assert_array_equal(got, bits((n,), rng=0))


def test_philox_source_counters():
    got = np.frombuffer(first("philox", 4 * 8192), np.uint32).reshape(-1, 4)
    c = np.zeros((2048, 4), np.uint32)
    c[:, 0] = np.arange(2048)
    c[:, 2] = 7
    np.testing.assert_array_equal(got, winit.philox4x32(c, np.array([0xDEADBEEF, 0xCAFEF00D],
                                                                   np.uint32)))


def test_uniform24_source_is_top_24_bits():
    n = 5000
    b = np.frombuffer(first("uniform24", 3 * n), np.uint8).reshape(-1, 3).astype(np.uint32)
    k = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
    np.testing.assert_array_equal(k, bits((n,), rng=0) >> 8)


def test_uniform32hi_source_is_top_32_of_53_bits():
    n = 1000
    got = np.frombuffer(first("uniform32hi", 4 * n), np.uint32)
    w = bits((2 * n,), rng=0)
    k53 = (w[1::2].astype(np.uint64) >> np.uint64(10) << np.uint64(31)) | \
        (w[0::2].astype(np.uint64) >> np.uint64(1))
    np.testing.assert_array_equal(got, (k53 >> np.uint64(21)).astype(np.uint32))


def test_interleaved_sources():
    n = 1 << 12
    got = np.frombuffer(first("streams", 4 * n), np.uint32).reshape(-1, 4)
    key = winit.Generator(0).key
    for j in range(4):
        np.testing.assert_array_equal(got[:, j], own.words(key, j, n // 4))
    ks = sources.onebit_keys()
    assert len(set(ks)) == 8
    k0 = winit.Generator(0).key
    assert all(bin((a ^ k0[0]) | (b ^ k0[1]) << 32).count("1") in (0, 1, 2) for a, b in ks)
    for name in ("keys", "onebit", "streamhi", "children"):
        w = np.frombuffer(first(name, 4 * n), np.uint32).reshape(n // 4, -1)
        assert len({tuple(col[:8]) for col in w.T}) == w.shape[1]  # distinct streams


def test_own_tests_pass_small():
    x, y = own.words((1, 2), 0, 1 << 15), own.words((1, 2), 1, 1 << 15)
    res = own.word_pair_tests(x, y)
    assert len(res) == 4 and all(p > own.ALPHA for _, _, p in res), res
    for r in own.box_muller_tests(1 << 14):
        assert r["assessment"] != "FAILED", r


def test_own_tests_can_fail():
    """The pair tests detect dependence: a stream against itself shifted by a bit."""
    x = own.words((1, 2), 0, 1 << 15)
    for y in (x, x ^ np.uint32(1), (np.roll(x, 1) & np.uint32(0x00FFFFFF)) | (x & np.uint32(0xFF000000))):
        assert min(p for _, _, p in own.word_pair_tests(x, y)) < own.ALPHA
    z0 = winit.normal((1 << 14,), rng=1, dtype="float64")
    z = np.empty(2 << 14)
    z[0::2], z[1::2] = z0, np.abs(z0) * np.sign(winit.normal((1 << 14,), rng=2))
    from scipy import special
    _, p = own._chi2_uniform_2d(special.ndtr(z[0::2]), special.ndtr(np.abs(z[1::2])), 32)
    assert p < own.ALPHA


@pytest.mark.skipif(shutil.which("dieharder") is None, reason="dieharder not installed "
                    "(apt-get install dieharder; the full battery installs it)")
def test_dieharder_birthdays_on_fill_stream():
    src = subprocess.Popen([sys.executable, "-m", "tests.battery.sources", "fill"],
                           cwd=ROOT, stdout=subprocess.PIPE)
    try:
        r = subprocess.run(["dieharder", "-g", "200", "-d", "0", "-p", "20"], stdin=src.stdout,
                           capture_output=True, text=True, timeout=120)
    finally:
        src.stdout.close()
        src.kill()
        src.wait()
    from tests.battery.dieharder import parse
    rows = parse("fill", r.stdout)
    assert len(rows) == 1 and rows[0].test == "diehard_birthdays", r.stdout + r.stderr
    assert rows[0].pvalue > 1e-6, r.stdout


LOG = """\
   diehard_birthdays|   0|       100|     100|0.54330347|  PASSED
      diehard_operm5|   0|   1000000|     100|0.99999513|   WEAK
      diehard_operm5|   0|   1000000|     200|0.66447965|  PASSED
        diehard_sums|   0|       100|     100|0.00192323|   WEAK
        diehard_sums|   0|       100|     200|0.00000010|  FAILED
"""


def test_verdicts_are_the_resolved_rows_and_skip_do_not_use():
    rows = [dh.as_dict(r) for r in dh.parse("fill", LOG)]
    assert len(rows) == 5
    fin = {r["test"]: r["assessment"] for r in dh.final(rows)}
    assert fin == {"diehard_birthdays": "PASSED", "diehard_operm5": "PASSED",
                   "diehard_sums": "FAILED"}
    assert dh.failures(rows) == 0  # diehard_sums is "Do Not Use"
    bad = LOG.replace("0.54330347|  PASSED", "0.00000001|  FAILED")
    assert dh.failures([dh.as_dict(r) for r in dh.parse("fill", bad)]) == 1


@pytest.mark.skipif(shutil.which("dieharder") is None, reason="dieharder is not installed")
def test_do_not_use_list_is_dieharders_own():
    listing = subprocess.run(["dieharder", "-l"], capture_output=True, text=True).stdout
    marked = {line.split("\t")[-2].strip() for line in listing.splitlines() if "Do Not Use" in line}
    assert marked == {"Diehard Sums Test"} and dh.DO_NOT_USE == {"diehard_sums"}
