"""The docs gallery (docs/_ext/winit_gallery.py): every scheme has a picture, every
picture is drawn (a real, non-empty PNG), and every histogram matches the theory
overlaid on it -- a chi-square test of the very counts the picture shows against the
expected counts from the overlay's CDF (alpha = 1e-6), point masses count for count.
The overlays' formulas are checked against scipy, and the test is shown to fail on a
wrong overlay."""
import math
import struct
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import winit

pytest.importorskip("matplotlib")
stats = pytest.importorskip("scipy.stats")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "_ext"))
import winit_gallery as G  # noqa: E402

ALPHA = 1e-6
CONTINUOUS = [c for c in G.CASES if c.theory.continuous]
ATOMS = [c for c in G.CASES if not c.theory.continuous]


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_every_scheme_has_a_picture():
    assert set(G.CASE_OF) == set(winit.SCHEMES)
    structured = {"orthogonal", "delta_orthogonal", "sparse_init", "identity_init", "dirac"}
    assert structured <= {c.scheme for c in G.CASES if c.heatmaps}


def test_gallery_builds_every_picture(tmp_path):
    paths = G.build(tmp_path)
    assert paths == G.expected_paths(tmp_path)
    assert len(paths) == len(G.CASES) + sum(len(c.heatmaps) for c in G.CASES)
    for p in paths:
        assert p.is_file() and p.stat().st_size > 2000, p
        w, h = png_size(p)
        assert w >= 200 and h >= 200, (p.name, w, h)
    # drawn from a fixed seed: the same pixels every time
    again = G.draw_histogram(G.CASE_OF["normal"], G.CASE_OF["normal"].values(),
                             tmp_path / "again.png")
    assert again.read_bytes() == G.hist_path(tmp_path, "normal").read_bytes()


def chi_square(counts: np.ndarray, expected: np.ndarray) -> tuple[float, int]:
    """Pearson's statistic after merging neighbouring bins until each expects >= 5."""
    c_m, e_m, c_acc, e_acc = [], [], 0.0, 0.0
    for c, e in zip(counts, expected):
        c_acc, e_acc = c_acc + c, e_acc + e
        if e_acc >= 5:
            c_m.append(c_acc), e_m.append(e_acc)
            c_acc = e_acc = 0.0
    if e_acc and e_m:
        c_m[-1] += c_acc
        e_m[-1] += e_acc
    c_m, e_m = np.array(c_m), np.array(e_m)
    return float(((c_m - e_m) ** 2 / e_m).sum()), len(c_m) - 1


def p_value(case: G.Case, x: np.ndarray | None = None) -> float:
    _, counts, expected = case.histogram(x)
    assert abs(expected.sum() - counts.sum()) < 1e-6 * counts.sum()
    stat, dof = chi_square(counts, expected)
    assert dof >= 20
    return float(stats.chi2.sf(stat, dof))


@pytest.mark.parametrize("case", CONTINUOUS, ids=[c.scheme for c in CONTINUOUS])
def test_histogram_matches_its_overlay(case):
    x = case.sample()
    assert x.size >= 30_000
    assert p_value(case, x) > ALPHA


@pytest.mark.parametrize("case", ATOMS, ids=[c.scheme for c in ATOMS])
def test_point_masses_count_for_count(case):
    values, counts, expected = case.histogram()
    assert counts.tolist() == expected.tolist()
    assert counts.sum() == math.prod(case.shape)


def test_sparse_zero_count():
    c = G.CASE_OF["sparse_init"]
    w = c.values()
    k = math.ceil(G.SPARSITY * c.shape[1])
    assert ((w == 0).sum(axis=1) == k).all()
    assert c.sample(w).size == c.shape[0] * (c.shape[1] - k)


def test_the_check_fails_on_a_wrong_overlay():
    """The chi-square test can fail: 3% too wide a uniform, a 3% too large std, the
    sphere of the wrong dimension, a shifted truncation bound, wrong point masses."""
    wrong = [
        ("glorot_uniform", lambda p: dict(low=p["low"] * 1.03, high=p["high"] * 1.03)),
        ("kaiming_normal", lambda p: dict(p, std=p["std"] * 1.03)),
        ("orthogonal", lambda p: dict(p, n=p["n"] * 1.1)),
        ("truncated_normal", lambda p: dict(p, lo=p["lo"] + 0.05)),
        ("lecun_normal", lambda p: dict(p, std=p["std"] * 1.03, lo=p["lo"] * 1.03,
                                        hi=p["hi"] * 1.03)),
    ]
    for scheme, change in wrong:
        c = G.CASE_OF[scheme]
        bad = replace(c, theory=replace(c.theory, params=change(c.theory.params)))
        assert p_value(bad, c.sample()) < ALPHA, scheme
    c = G.CASE_OF["dirac"]
    atoms = dict(c.theory.atoms)
    atoms[1.0] += 1
    _, counts, expected = replace(c, theory=replace(c.theory, atoms=atoms)).histogram()
    assert counts.tolist() != expected.tolist()


def scipy_dist(th: G.Theory):
    p = th.params
    if th.kind == "uniform":
        return stats.uniform(p["low"], p["high"] - p["low"])
    if th.kind == "normal":
        return stats.norm(p["mean"], p["std"])
    if th.kind == "truncnorm":
        a, b = (p["lo"] - p["mean"]) / p["std"], (p["hi"] - p["mean"]) / p["std"]
        return stats.truncnorm(a, b, loc=p["mean"], scale=p["std"])
    if th.kind == "sphere":  # x = gain * (2B - 1), B ~ Beta((n-1)/2, (n-1)/2)
        m = (p["n"] - 1) / 2
        return stats.beta(m, m, loc=-p["gain"], scale=2 * p["gain"])
    raise ValueError(th.kind)


@pytest.mark.parametrize("case", CONTINUOUS, ids=[c.scheme for c in CONTINUOUS])
def test_overlay_formulas_equal_scipy(case):
    th = case.theory
    ref = scipy_dist(th)
    lo, hi = th.support()
    x = np.linspace(lo, hi, 257)
    np.testing.assert_allclose(th.cdf(x), ref.cdf(x), atol=2e-7)
    np.testing.assert_allclose(th.pdf(x[1:-1]), ref.pdf(x[1:-1]), rtol=1e-9,
                               atol=1e-12 * ref.pdf(x).max())


def test_theory_matches_the_scheme_definitions():
    """The overlays are derived from the schemes' definitions, not from their outputs:
    spot-check the constants against docs/schemes (fans of (256, 512): 256, 512)."""
    fi, fo = winit.compute_fans(G.DENSE)
    assert (fi, fo) == (256, 512)
    gu = G.CASE_OF["glorot_uniform"].theory.params
    assert gu["high"] == pytest.approx(math.sqrt(6 / (fi + fo)))
    kn = G.CASE_OF["kaiming_normal"].theory.params
    assert kn["std"] == pytest.approx(math.sqrt(2) / math.sqrt(fi))
    vs = G.CASE_OF["variance_scaling"].theory.params
    assert scipy_dist(G.CASE_OF["variance_scaling"].theory).var() == pytest.approx(1 / fi)
    assert vs["hi"] == pytest.approx(2 * vs["std"])
