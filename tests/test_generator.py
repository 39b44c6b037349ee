"""winit.Generator: keys, streams, spawn / fold_in, pickling, thread safety."""
import pickle
import threading

import numpy as np
import pytest

import winit

from conftest import run_threads


def test_key_from_seedsequence():
    ss = np.random.SeedSequence(42).generate_state(2, np.uint32)
    assert winit.Generator(42).key == (int(ss[0]), int(ss[1]))


def test_big_int_seeds_are_distinct():
    keys = {winit.Generator(s).key for s in (0, 1, 2**64, 2**64 + 1, 2**200, 2**200 + 1)}
    assert len(keys) == 6


def test_entropy_seed():
    a, b = winit.Generator(), winit.Generator()
    assert a.seed is None and a.key != b.key
    assert "entropy" in repr(a)


def test_streams_advance_and_int_seed_restarts():
    g = winit.Generator(3)
    a = winit.normal((5,), rng=g)
    b = winit.normal((5,), rng=g)
    assert g.position == 2
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(a, winit.normal((5,), rng=3))
    np.testing.assert_array_equal(a, winit.normal((5,), rng=winit.Generator(3)))


def test_call_k_independent_of_earlier_sizes():
    g1, g2 = winit.Generator(9), winit.Generator(9)
    winit.uniform((3,), rng=g1)
    winit.uniform((1000, 7), rng=g2)
    np.testing.assert_array_equal(winit.normal((50,), rng=g1), winit.normal((50,), rng=g2))


def test_stream_ids_are_unique_across_threads():
    g = winit.Generator(1)
    got, lock = [], threading.Lock()

    def work(_):
        mine = [g.stream() for _ in range(2000)]
        with lock:
            got.extend(mine)

    run_threads(work, 8)
    assert sorted(got) == list(range(16000))


def test_spawn():
    g = winit.Generator(7)
    c1 = g.spawn(3)
    c2 = g.spawn(2)
    keys = {c.key for c in c1 + c2} | {g.key}
    assert len(keys) == 6
    # deterministic: a fresh parent spawns the same children
    assert [c.key for c in winit.Generator(7).spawn(3)] == [c.key for c in c1]
    assert [c.key for c in winit.Generator(7).spawn(5)][3:] == [c.key for c in c2]


def test_fold_in():
    g = winit.Generator(7)
    a = g.fold_in("dense_1/kernel")
    g.stream()
    g.spawn(4)
    assert g.fold_in("dense_1/kernel").key == a.key  # order independent
    assert winit.Generator(7).fold_in("dense_1/kernel").key == a.key
    assert g.fold_in("dense_2/kernel").key != a.key
    assert g.fold_in(0).key != g.spawn(1)[0].key  # never collides with spawn
    assert g.fold_in(0).key != g.fold_in("0").key
    assert winit.Generator(8).fold_in("dense_1/kernel").key != a.key
    assert a.fold_in("x").key != a.key


def test_pickle_and_repr():
    g = winit.Generator(11)
    g.stream()
    g.stream()
    c = g.fold_in("a")
    h = pickle.loads(pickle.dumps(g))
    assert h == g and h.key == g.key and h.position == 2
    np.testing.assert_array_equal(winit.normal(4, rng=h), winit.normal(4, rng=g))
    hc = pickle.loads(pickle.dumps(c))
    assert hc.key == c.key
    assert repr(winit.Generator(11)) == "winit.Generator(seed=11, stream=0)"
    assert "spawn_key" in repr(c)


@pytest.mark.parametrize("seed, exc", [(-1, ValueError), (1.5, TypeError), ("1", TypeError),
                                       (True, TypeError), ([1], TypeError)])
def test_bad_seed(seed, exc):
    with pytest.raises(exc, match=r"`seed`.*Received: seed="):
        winit.Generator(seed)


@pytest.mark.parametrize("rng, exc", [(-3, ValueError), (2.0, TypeError),
                                      (np.random.default_rng(0), TypeError)])
def test_bad_rng(rng, exc):
    with pytest.raises(exc, match=r"`rng`"):
        winit.normal((2,), rng=rng)


def test_bad_fold_in_and_spawn():
    g = winit.Generator(0)
    with pytest.raises(TypeError, match="`data`"):
        g.fold_in(1.5)
    with pytest.raises(ValueError, match="`n`"):
        g.spawn(-1)


def test_numpy_int_seed():
    assert winit.Generator(np.int64(5)).key == winit.Generator(5).key
