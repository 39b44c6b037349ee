"""Exact edge cases of every bits -> float conversion, and float16/bfloat16
rounding against ml_dtypes."""
import ml_dtypes
import numpy as np
import pytest

from winit._core._core import _transform

EDGE = np.array([0, 1, 0xFF, 0x100, 0x1FF, 0x200, 0x7FFFFFFF, 0x80000000, 0xFFFFFF00,
                 0xFFFFFEFF, 0xFFFFFFFE, 0xFFFFFFFF], np.uint32)


def test_u01_f32_exact():
    k24 = EDGE >> 8
    np.testing.assert_array_equal(_transform("co_f32", EDGE), (k24 * 2.0**-24).astype(np.float32))
    np.testing.assert_array_equal(_transform("oc_f32", EDGE), ((k24 + 1) * 2.0**-24).astype(np.float32))
    k23 = EDGE >> 9
    np.testing.assert_array_equal(_transform("oo_f32", EDGE), ((2 * k23 + 1) * 2.0**-24).astype(np.float32))


def test_u01_f32_ranges():
    top = np.array([0xFFFFFFFF], np.uint32)
    zero = np.array([0], np.uint32)
    assert _transform("co_f32", zero)[0] == 0.0
    assert _transform("co_f32", top)[0] == np.float32(1 - 2.0**-24)
    assert _transform("oc_f32", zero)[0] == np.float32(2.0**-24)
    assert _transform("oc_f32", top)[0] == 1.0
    oo = _transform("oo_f32", EDGE)
    assert (oo > 0).all() and (oo < 1).all()
    assert oo.min() == np.float32(2.0**-24) and oo.max() == np.float32(1 - 2.0**-24)


def k53(lo, hi):
    return (hi.astype(object) >> 10) * 2**31 + (lo.astype(object) >> 1)


def test_u01_f64_exact():
    lo = np.repeat(EDGE, len(EDGE))
    hi = np.tile(EDGE, len(EDGE))
    k = k53(lo, hi)
    np.testing.assert_array_equal(_transform("co_f64", lo, hi), np.array([float(x) * 2.0**-53 for x in k]))
    np.testing.assert_array_equal(_transform("oc_f64", lo, hi), np.array([float(x + 1) * 2.0**-53 for x in k]))
    k52 = (hi.astype(object) >> 10) * 2**30 + (lo.astype(object) >> 2)
    np.testing.assert_array_equal(_transform("oo_f64", lo, hi),
                                  np.array([float(2 * x + 1) * 2.0**-53 for x in k52]))


def test_u01_f64_ranges():
    z, t = np.array([0], np.uint32), np.array([0xFFFFFFFF], np.uint32)
    assert _transform("co_f64", z, z)[0] == 0.0
    assert _transform("co_f64", t, t)[0] == 1 - 2.0**-53
    assert _transform("oc_f64", z, z)[0] == 2.0**-53
    assert _transform("oc_f64", t, t)[0] == 1.0
    assert _transform("oo_f64", z, z)[0] == 2.0**-53
    assert _transform("oo_f64", t, t)[0] == 1 - 2.0**-53


def test_u01_uses_all_bits():
    """53 distinct bits reach the float64 uniform: flipping any used bit changes it."""
    rng = np.random.default_rng(0)
    lo = rng.integers(0, 2**32, 64, dtype=np.uint32)
    hi = rng.integers(0, 2**32, 64, dtype=np.uint32)
    base = _transform("co_f64", lo, hi)
    used = 0
    for bit in range(32):
        used += (_transform("co_f64", lo ^ np.uint32(1 << bit), hi) != base).all()
        used += (_transform("co_f64", lo, hi ^ np.uint32(1 << bit)) != base).all()
    assert used == 53


def f32_sample():
    rng = np.random.default_rng(1)
    bits = rng.integers(0, 2**32, 2_000_000, dtype=np.uint64).astype(np.uint32)
    # every exponent, ties and near-ties of the 13/16 dropped bits, specials
    e = np.arange(256, dtype=np.uint32) << 23
    m = np.array([0, 1, 0x0FFF, 0x1000, 0x1001, 0x2000, 0x3000, 0x7FFF, 0x8000, 0x8001,
                  0x18000, 0x7FFFFF, 0x7FE000, 0x7FF000], np.uint32)
    grid = (e[:, None] | m[None, :]).reshape(-1)
    bits = np.concatenate([bits, grid, grid | np.uint32(0x80000000)])
    return bits.view(np.float32)


@pytest.mark.parametrize("name, dt", [("f16", np.float16), ("bf16", ml_dtypes.bfloat16)])
def test_half_rounding_matches_ml_dtypes(name, dt):
    x = f32_sample()
    got = _transform(name, x)
    with np.errstate(over="ignore", invalid="ignore"):
        want = x.astype(dt).view(np.uint16)
    nan = np.isnan(x)
    np.testing.assert_array_equal(got[~nan], want[~nan])
    assert np.isnan(got[nan].view(dt).astype(np.float32)).all()
