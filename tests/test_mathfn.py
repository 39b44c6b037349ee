"""Accuracy of winit/_core/include/winit/mathfn.h (our own log, exp, sin/cos of
2 pi u, inverse normal CDF, normal CDF) against float64 / mpmath references,
exact special values, and bit identity of the header across compile flags.

Errors are in ulps of the correctly rounded true result.  Float32 functions
use float64 references (numpy/scipy, error < 1e-15 relative); float64 log, exp
and sincos use mpmath live; the slow double references (Phi, log Phi, Phi^-1)
are precomputed by tests/data/mathfn_make_refs.py into mathfn_refs.npz.
"""
import hashlib
import os
import platform
import shutil
import subprocess
from pathlib import Path

import mpmath as mp
import numpy as np
import pytest
import scipy.special as sc

from winit._core import _mathcheck as mc

ROOT = Path(__file__).resolve().parent.parent
INCLUDE = ROOT / "winit" / "_core" / "include"
REFS = np.load(Path(__file__).parent / "data" / "mathfn_refs.npz")


# ---------------------------------------------------------------- helpers

def ulp32(ref):
    """ulp of float32(ref) for float64 reference values (subnormal spacing at the bottom)."""
    r = np.abs(np.asarray(ref, np.float64).astype(np.float32).astype(np.float64))
    _, e = np.frexp(r)
    return np.ldexp(1.0, np.maximum(e - 24, -149))


def ulp64(ref):
    _, e = np.frexp(np.abs(np.asarray(ref, np.float64)))
    return np.ldexp(1.0, np.maximum(e - 53, -1074))


def err32(got, ref):
    ref = np.asarray(ref, np.float64)
    return np.abs(got.astype(np.float64) - ref) / ulp32(ref)


def err64(got, hi, lo):
    """|got - (hi + lo)| in ulps of hi; got - hi is exact when got is close."""
    return np.abs((got - hi) - lo) / ulp64(hi)


def mp_ref(f, xs, dps=40):
    """f evaluated by mpmath at the exact double inputs, as (hi, lo)."""
    with mp.workdps(dps):
        vals = [f(mp.mpf(float(x))) for x in xs]
        hi = np.array([float(v) for v in vals])
        lo = np.array([float(v - mp.mpf(float(h))) for v, h in zip(vals, hi)])
    return hi, lo


def f32(bits):
    return np.asarray(bits, np.uint32).view(np.float32)


def around(x, n, dtype=np.float32):
    """x and its n neighbours on each side."""
    x = np.asarray(x, dtype)
    bits = x.view(np.uint32 if dtype == np.float32 else np.uint64).astype(np.int64)
    k = np.arange(-n, n + 1)
    b = (bits[:, None] + k[None, :]).ravel()
    return b.astype(np.uint32 if dtype == np.float32 else np.uint64).view(dtype)


RNG = np.random.default_rng(12345)


# ---------------------------------------------------------------- float32

def test_logf_dense():
    x = np.concatenate([
        f32(RNG.integers(1, 0x7F800000, 600_000)),                      # every binade, subnormals
        (RNG.integers(1, 1 << 24, 400_000) * 2.0**-24).astype(np.float32),  # Box-Muller range
        np.ldexp(np.float32(1), np.arange(-149, 128)).astype(np.float32),
        around([1.0, 0.70710677, 1.4142135, 2.0**-126, 2.0**-24, 3.4028235e38], 8),
        f32(np.arange(1, 64)),                                           # smallest subnormals
    ])
    x = x[(x > 0) & np.isfinite(x)]
    got = mc.logf(x)
    e = err32(got, np.log(x.astype(np.float64)))
    assert e.max() <= 1.0, (e.max(), x[e.argmax()])
    assert mc.logf(np.float32([1.0]))[0] == 0.0


def _sincos_ref(u):
    k = np.rint(4.0 * u)
    r = u - 0.25 * k                      # exact
    s, c = np.sin(2 * np.pi * r), np.cos(2 * np.pi * r)
    q = k.astype(np.int64) & 3
    rs = np.choose(q, [s, c, -s, -c])
    rc = np.choose(q, [c, -s, -c, s])
    return rs, rc


def test_sincos2pif_multiples_of_2_24():
    """A quarter of all multiples of 2^-24 (every residue mod 4 of k), and every
    one within 4096 of the octant points, where the error peaks."""
    j = np.arange(1 << 22, dtype=np.int64)
    k = np.concatenate([4 * j + (j % 4), (np.arange(1, 8)[:, None] * (1 << 21) + np.arange(-4096, 4096)).ravel()])
    u = k * 2.0**-24
    s, c = mc.sincos2pif(u.astype(np.float32))
    rs, rc = _sincos_ref(u)
    worst = 0.0
    for got, ref in ((s, rs), (c, rc)):
        exact0 = ref == 0
        assert (got[exact0] == 0).all()
        worst = max(worst, err32(got[~exact0], ref[~exact0]).max())
    assert worst <= 1.2, worst


def test_sincos2pif_exact_points():
    u = np.float32([0, 0.25, 0.5, 0.75])
    s, c = mc.sincos2pif(u)
    assert s.tolist() == [0, 1, 0, -1] and c.tolist() == [1, 0, -1, 0]
    assert not np.signbit(s[s == 0]).any() and not np.signbit(c[c == 0]).any()   # +0, not -0
    s, c = mc.sincos2pif(np.float32([0.125, 0.375, 0.625, 0.875]))
    np.testing.assert_array_equal(np.abs(s), np.abs(c))                 # symmetric about pi/4


def test_ndtri_lowerf_dense():
    lo = np.float32(1e-37)
    p = np.concatenate([
        np.exp(RNG.uniform(np.log(1e-37), np.log(0.5), 500_000)).astype(np.float32),
        RNG.uniform(0, 0.5, 300_000).astype(np.float32),
        f32(RNG.integers(int(f32(0).dtype.type(lo).view(np.uint32)), 0x3F000000, 200_000)),
        around([0.25, 0.5, 1e-37, 0.075, 2.0**-126], 16),
    ])
    p = p[(p >= lo) & (p <= 0.5)]
    got = mc.ndtri_lowerf(p)
    e = err32(got, sc.ndtri(p.astype(np.float64)))
    assert e.max() <= 1.0, (e.max(), p[e.argmax()])
    assert mc.ndtri_lowerf(np.float32([0.5]))[0] == 0.0
    assert (got <= 0).all()


def test_ndtri_lowerf_subnormal_p():
    p = np.concatenate([f32(RNG.integers(1, 0x00800000, 20_000)), f32([1, 2, 3])])
    e = err32(mc.ndtri_lowerf(p), sc.ndtri(p.astype(np.float64)))
    assert e.max() <= 1.0


def test_ndtri_logf():
    x, hi, lo = REFS["ndtri_logf_x"], REFS["ndtri_logf_hi"], REFS["ndtri_logf_lo"]
    got = mc.ndtri_logf(x)
    e = err32(got, hi + lo)
    far = x <= -40
    assert e[far].max() <= 1.0, e[far].max()          # required range [-1e30, -40]
    assert e[~far].max() <= 2.0, e[~far].max()         # (-40, log 1/2]: supported too


# ---------------------------------------------------------------- float64

def test_log():
    x = np.concatenate([
        np.exp(RNG.uniform(-744, 709.7, 8000)), RNG.uniform(0.5, 2, 6000),
        RNG.uniform(0, 1, 2000) * 2.0**-1022,
        around([1.0, 0.7071067811865476, 1.4142135623730951, 2.0**-1022, 2.0, 0.5], 4, np.float64),
        [5e-324, 1.7976931348623157e308], np.ldexp(1.0, np.arange(-1074, 1024, 7)),
    ])
    x = x[x > 0]
    hi, lo = mp_ref(mp.log, x)
    e = err64(mc.log(x), hi, lo)
    assert e.max() <= 2.0, (e.max(), x[e.argmax()])
    assert mc.log(np.array([1.0]))[0] == 0.0


def test_exp():
    x = np.concatenate([RNG.uniform(-708.3, 709.78, 8000), RNG.uniform(-1, 1, 6000),
                        RNG.uniform(-745.1, -708.4, 2000), [0.0, 1e-300, -1e-300, 709.78, 1.0]])
    hi, lo = mp_ref(mp.exp, x)
    e = err64(mc.exp(x), hi, lo)
    normal = hi >= 2.2250738585072014e-308
    assert e[normal].max() <= 2.0, (e[normal].max(), x[normal][e[normal].argmax()])
    assert e[~normal].max() <= 1.0          # subnormal results: within one subnormal step
    assert mc.exp(np.array([0.0]))[0] == 1.0
    big = mc.exp(np.array([709.79, 710.0, 1e300, -745.2, -800.0, -1e300]))
    assert big.tolist() == [np.inf, np.inf, np.inf, 0.0, 0.0, 0.0]


def test_sincos2pi():
    u = np.concatenate([np.floor(RNG.uniform(0, 1, 12000) * 2.0**53) * 2.0**-53,
                        around([0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875], 3, np.float64),
                        [2.0**-53, 1 - 2.0**-53, 2.0**-30]])
    u = u[(u > 0) & (u < 1) & (np.abs(u * 4 - np.rint(u * 4)) > 0)]
    s, c = mc.sincos2pi(u)
    for got, f in ((s, lambda v: mp.sin(2 * mp.pi * v)), (c, lambda v: mp.cos(2 * mp.pi * v))):
        hi, lo = mp_ref(f, u)
        e = err64(got, hi, lo)
        assert e.max() <= 2.0, (e.max(), u[e.argmax()])
    s, c = mc.sincos2pi(np.array([0, 0.25, 0.5, 0.75]))
    assert s.tolist() == [0, 1, 0, -1] and c.tolist() == [1, 0, -1, 0]


def test_ndtri_lower():
    x, hi, lo = REFS["ndtri_x"], REFS["ndtri_hi"], REFS["ndtri_lo"]
    got = mc.ndtri_lower(x)
    nz = hi != 0
    e = err64(got[nz], hi[nz], lo[nz])
    assert e.max() <= 2.0, (e.max(), x[nz][e.argmax()])
    assert mc.ndtri_lower(np.array([0.5]))[0] == 0.0


def test_ndtri_log():
    x, hi, lo = REFS["ndtri_log_x"], REFS["ndtri_log_hi"], REFS["ndtri_log_lo"]
    e = err64(mc.ndtri_log(x), hi, lo)
    far = x <= -600
    assert e[far].max() <= 2.0, e[far].max()          # required range [-1e300, -600]
    mid = (x > -600) & (x < -2.5902671654458267)       # tail formula with w = -lp exact
    assert e[mid].max() <= 2.0, e[mid].max()
    assert e[x > -1.0].max() <= 8.0                    # via exp(lp): conditioning near x = 0


def test_ndtr():
    x, hi, lo = REFS["ndtr_x"], REFS["ndtr_hi"], REFS["ndtr_lo"]
    e = err64(mc.ndtr(x), hi, lo)
    assert e[x <= 0].max() <= 2.0, (e[x <= 0].max(), x[x <= 0][e[x <= 0].argmax()])
    assert e[x > 0].max() <= 1.0
    special = mc.ndtr(np.array([0.0, -np.inf, np.inf, -40.0, 40.0, np.nan]))
    assert special[:5].tolist() == [0.5, 0.0, 1.0, 0.0, 1.0] and np.isnan(special[5])


def test_log_ndtr():
    x, hi, lo = REFS["log_ndtr_x"], REFS["log_ndtr_hi"], REFS["log_ndtr_lo"]
    e = err64(mc.log_ndtr(x), hi, lo)
    assert e[x <= 0].max() <= 2.0, (e[x <= 0].max(), x[x <= 0][e[x <= 0].argmax()])
    assert e[x > 0].max() <= 2.0
    special = mc.log_ndtr(np.array([0.0, -np.inf, np.inf, 1e300]))
    assert special.tolist() == [np.log(0.5), -np.inf, 0.0, 0.0]


# ---------------------------------------------------------------- bit identity

DRIVER = r"""
#include <stdio.h>
#include "winit/mathfn.h"
#define NF (1 << 20)
#define ND (1 << 18)
#define NS 4096
static float xf[NF], of[NF], of2[NF];
static double xd[ND], od[ND], od2[ND];
static FILE *f;
static void put(const void *p, size_t n) { fwrite(p, 1, n, f); }
int main(int argc, char **argv) {
    uint64_t s = 88172645463325252ull;
    int i;
    f = fopen(argv[1], "wb");
    for (i = 0; i < NF; i++) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; xf[i] = (float)((s >> 40) + 1) * 0x1p-24f; }
    for (i = 0; i < ND; i++) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; xd[i] = (double)((s >> 11) + 1) * 0x1p-53; }
    put(xf, sizeof xf); put(xd, sizeof xd);
    for (i = 0; i < NF; i++) of[i] = winit_logf(xf[i]);
    put(of, sizeof of);
    for (i = 0; i < NF; i++) winit_sincos2pif(xf[i] - 0x1p-24f, &of[i], &of2[i]);
    put(of, sizeof of); put(of2, sizeof of2);
    for (i = 0; i < NF; i++) of[i] = winit_ndtri_lowerf(0.5f * xf[i]);
    put(of, sizeof of);
    for (i = 0; i < NF; i++) of[i] = winit_ndtri_lowerf(winit_bits_f32(0x00000001u + (uint32_t)i * 0x3f0u));
    put(of, sizeof of);
    for (i = 0; i < ND; i++) od[i] = winit_log(xd[i]);
    put(od, sizeof od);
    for (i = 0; i < ND; i++) od[i] = winit_exp(1500.0 * xd[i] - 750.0);
    put(od, sizeof od);
    for (i = 0; i < ND; i++) winit_sincos2pi(xd[i] - 0x1p-53, &od[i], &od2[i]);
    put(od, sizeof od); put(od2, sizeof od2);
    for (i = 0; i < ND; i++) od[i] = winit_ndtri_lower(0.5 * xd[i]);
    put(od, sizeof od);
    for (i = 0; i < ND; i++) od[i] = winit_ndtri_lower(winit_bits_f64(1u + (uint64_t)i * 0xff800000000ull));
    put(od, sizeof od);
    for (i = 0; i < NS; i++) od[i] = winit_ndtri_log(-1e6 * xd[i]);
    put(od, NS * sizeof(double));
    for (i = 0; i < NS; i++) of[i] = winit_ndtri_logf(-1e4f * xf[i]);
    put(of, NS * sizeof(float));
    for (i = 0; i < NS; i++) od[i] = winit_ndtr(80.0 * xd[i] - 40.0);
    put(od, NS * sizeof(double));
    for (i = 0; i < NS; i++) od[i] = winit_log_ndtr(80.0 * xd[i] - 40.0);
    put(od, NS * sizeof(double));
    fclose(f);
    return 0;
}
"""
NF, ND, NS = 1 << 20, 1 << 18, 4096
BASE_FLAGS = ["-O3", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math"]


def _has_avx2_fma():
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " avx2" in flags and " fma" in flags


def _module_outputs(xf, xd):
    """The driver's sections, recomputed through the extension module."""
    u = np.uint32
    out = [xf, xd, mc.logf(xf), *mc.sincos2pif(xf - np.float32(2.0**-24)),
           mc.ndtri_lowerf(np.float32(0.5) * xf),
           mc.ndtri_lowerf((np.arange(NF, dtype=u) * u(0x3F0) + u(1)).view(np.float32)),
           mc.log(xd), mc.exp(1500.0 * xd - 750.0), *mc.sincos2pi(xd - 2.0**-53),
           mc.ndtri_lower(0.5 * xd),
           mc.ndtri_lower((np.arange(ND, dtype=np.uint64) * np.uint64(0xFF800000000) + np.uint64(1)).view(np.float64)),
           mc.ndtri_log(-1e6 * xd[:NS]), mc.ndtri_logf(np.float32(-1e4) * xf[:NS]),
           mc.ndtr(80.0 * xd[:NS] - 40.0), mc.log_ndtr(80.0 * xd[:NS] - 40.0)]
    return b"".join(np.ascontiguousarray(a).tobytes() for a in out)


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc not available")
def test_bits_identical_across_flags(tmp_path):
    """gcc -O3 (auto-vectorised) with and without AVX2+FMA, gcc -O0, and the built
    extension module give the same bits for every function."""
    src = tmp_path / "drv.c"
    src.write_text(DRIVER)
    variants = [BASE_FLAGS, ["-O0", "-ffp-contract=off"]]
    if platform.machine() in ("x86_64", "AMD64") and _has_avx2_fma():
        variants.append(BASE_FLAGS + ["-mavx2", "-mfma"])
    blobs = []
    for k, flags in enumerate(variants):
        exe = tmp_path / f"drv{k}"
        subprocess.run(["gcc", "-std=c99", *flags, f"-I{INCLUDE}", "-o", str(exe), str(src), "-lm"],
                       check=True, capture_output=True)
        out = tmp_path / f"out{k}.bin"
        subprocess.run([str(exe), str(out)], check=True)
        blobs.append(out.read_bytes())
    digests = [hashlib.sha256(b).hexdigest() for b in blobs]
    assert len(set(digests)) == 1, digests
    xf = np.frombuffer(blobs[0], np.float32, NF)
    xd = np.frombuffer(blobs[0], np.float64, ND, 4 * NF)
    mine = _module_outputs(xf, xd)
    assert len(mine) == len(blobs[0])
    assert hashlib.sha256(mine).hexdigest() == digests[0]


NVCC_SRC = r"""
#include "winit/mathfn.h"
__global__ void every(const float *xf, const double *xd, float *of, double *od, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float s, c; double sd, cd;
    winit_sincos2pif(xf[i], &s, &c);
    winit_sincos2pi(xd[i], &sd, &cd);
    of[i] = winit_logf(xf[i]) + s + c + winit_ndtri_lowerf(xf[i]) + winit_ndtri_logf(-xf[i]);
    od[i] = winit_log(xd[i]) + winit_exp(xd[i]) + sd + cd + winit_ndtri_lower(xd[i])
          + winit_ndtri_log(-xd[i]) + winit_ndtr(xd[i]) + winit_log_ndtr(xd[i]);
}
"""


@pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc not available")
def test_header_compiles_with_nvcc(tmp_path):
    src = tmp_path / "every.cu"
    src.write_text(NVCC_SRC)
    r = subprocess.run(["nvcc", "-x", "cu", "-arch=sm_80", "--fmad=false", f"-I{INCLUDE}",
                        "-c", str(src), "-o", str(tmp_path / "every.o")],
                       capture_output=True, text=True, env={**os.environ})
    assert r.returncode == 0, r.stderr
