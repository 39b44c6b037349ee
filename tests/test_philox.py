"""Philox4x32 against Random123's known answers and a reference raw stream."""
import json
from pathlib import Path

import numpy as np
import pytest

import winit

DATA = Path(__file__).parent / "data"


def kat_lines(rounds):
    for line in (DATA / "philox_kat.txt").read_text().splitlines():
        f = line.split()
        if f and f[0] == "philox4x32" and int(f[1]) == rounds:
            w = [int(x, 16) for x in f[2:]]
            yield w[0:4], w[4:6], w[6:10]


def test_kat_count():
    assert len(list(kat_lines(10))) == 55


@pytest.mark.parametrize("rounds", [10, 7])
def test_kat_vectors(rounds):
    lines = list(kat_lines(rounds))
    ctr = np.array([c for c, _, _ in lines], np.uint32)
    key = np.array([k for _, k, _ in lines], np.uint32)
    want = np.array([e for _, _, e in lines], np.uint32)
    got = winit.philox4x32(ctr, key, rounds=rounds)
    assert got.dtype == np.uint32 and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_readme_example():
    got = winit.philox4x32([[0, 0, 0, 0]], [0, 0])
    assert [int(x) for x in got[0]] == [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]


def test_raw_stream():
    cases = json.loads((DATA / "philox4x32_stream.json").read_text())["cases"]
    assert cases
    for case in cases:
        start = sum(w << (32 * i) for i, w in enumerate(case["ctr_start_words"]))
        outs = np.array(case["outputs"], np.uint32)
        nb = len(outs) // 4
        ctrs = [(start + b) % (1 << 128) for b in range(nb)]
        words = np.array([[(c >> (32 * i)) & 0xFFFFFFFF for i in range(4)] for c in ctrs], np.uint32)
        got = winit.philox4x32(words, np.array(case["key_words"], np.uint32))
        np.testing.assert_array_equal(got.reshape(-1), outs, err_msg=case["description"])


def test_broadcasting_and_shapes():
    ctr = np.arange(24, dtype=np.uint32).reshape(2, 3, 4)
    key = np.array([[1, 2]], np.uint32)
    got = winit.philox4x32(ctr, key)
    assert got.shape == (2, 3, 4)
    np.testing.assert_array_equal(got[1, 2], winit.philox4x32(ctr[1, 2], key[0]))


@pytest.mark.parametrize("ctr, key, exc, match", [
    ([[0, 0, 0]], [0, 0], ValueError, r"counter.*\(\.\.\., 4\)"),
    ([[0, 0, 0, 0]], [0, 0, 0], ValueError, r"key.*\(\.\.\., 2\)"),
    ([[0, 0, 0, -1]], [0, 0], ValueError, r"counter.*2\*\*32"),
    ([[0, 0, 0, 2**32]], [0, 0], ValueError, r"counter.*2\*\*32"),
    ([[0.5, 0, 0, 0]], [0, 0], TypeError, r"counter"),
])
def test_bad_input(ctr, key, exc, match):
    with pytest.raises(exc, match=match):
        winit.philox4x32(ctr, key)


def test_bad_rounds():
    with pytest.raises(ValueError, match="rounds"):
        winit.philox4x32([0, 0, 0, 0], [0, 0], rounds=0)


def test_fill_uses_the_documented_counter_layout():
    """Raw words of stream s: element i is word i % 4 of block i // 4, counter
    (b lo, b hi, s lo, s hi) -- the frozen layout of docs/reproducibility.md."""
    from winit._plan import bits
    g = winit.Generator(5)
    k0, k1 = g.key
    for s in range(3):
        w = bits(40, rng=g)
        ctr = np.array([[b, 0, s, 0] for b in range(10)], np.uint32)
        np.testing.assert_array_equal(w, winit.philox4x32(ctr, [k0, k1]).reshape(-1))
    # high block words: region far into a stream
    w = bits(2**34 + 8, rng=7, region=(slice(2**34, 2**34 + 8),))
    b = 2**32
    ctr = np.array([[b & 0xFFFFFFFF, b >> 32, 0, 0], [(b + 1) & 0xFFFFFFFF, (b + 1) >> 32, 0, 0]],
                   np.uint32)
    np.testing.assert_array_equal(w, winit.philox4x32(ctr, winit.Generator(7).key).reshape(-1))
