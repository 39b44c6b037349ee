"""Every SIMD level gives the bits of the portable level: for every (dist, dtype), at
random offsets, lengths (not multiples of any vector width) and output alignments,
with non-temporal stores (large outputs) and with threads; in-process (levels switched
with set_simd_level) and in subprocesses (level forced by WINIT_SIMD).

Levels this CPU lacks are skipped, saying so: the AVX-512 level can only be run on a
CPU (or emulator) that has AVX-512."""
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import winit
from winit._core import _core

AVAILABLE = _core.simd_available()
SIMD = [lv for lv in _core.SIMD_LEVELS if lv != "portable"]


def level_param(lv):
    return pytest.param(lv, marks=pytest.mark.skipif(
        lv not in AVAILABLE, reason=f"this CPU (or build) has no {lv} level: {AVAILABLE}"))


LEVELS = [level_param(lv) for lv in SIMD]

# (dist, dtype code, itemsize, params): params as _core.fill takes them
DT = {"f32": (_core.DT_FLOAT32, 4), "f64": (_core.DT_FLOAT64, 8), "f16": (_core.DT_FLOAT16, 2),
      "bf16": (_core.DT_BFLOAT16, 2), "u32": (_core.DT_UINT32, 4)}
CASES = [("bits", "u32", ())]
for _dt in ("f32", "f64", "f16", "bf16"):
    CASES += [
        ("uniform", _dt, (-1.5, 4.0)),
        ("normal", _dt, (0.25, 2.0)),
        ("truncnorm", _dt, (-2.0, 2.0, 0.0, 1.0, -2.0, 2.0)),      # direct, symmetric
        ("truncnorm", _dt, (0.5, 3.0, 1.0, 0.5, 1.25, 2.5)),       # right side: reflected
        ("truncnorm", _dt, (-40.0, -12.0, 0.0, 1.0, -40.0, -12.0)),  # far tail: log branch
        ("truncnorm", _dt, (12.0, 40.0, 0.0, 1.0, 12.0, 40.0)),    # far tail, reflected
    ]
CASES += [("polar", "f32", (0.5, 0.0, 0)), ("polar", "f32", (1.0, 0.9, 1)),
          ("polar", "f64", (0.5, 0.0, 0)), ("polar", "f64", (1.0, 0.9, 1))]
DIST = {"bits": _core.DIST_BITS, "uniform": _core.DIST_UNIFORM, "normal": _core.DIST_NORMAL,
        "truncnorm": _core.DIST_TRUNCNORM, "polar": _core.DIST_POLAR}
KEY = (0x9E3779B9, 0x243F6A88)


@pytest.fixture(autouse=True)
def restore_level():
    before = _core.simd_level()
    yield
    _core.set_simd_level(before)
    winit.set_num_threads(0)


def fill(level, case, starts, row_len, misalign=0, stream=7, nthreads=1):
    """_core.fill at `level` into an output `misalign` bytes off a 64-byte boundary;
    returns the bytes."""
    dist, dt, params = case
    code, esz = DT[dt]
    assert _core.set_simd_level(level) == level
    nbytes = len(starts) * row_len * esz
    raw = np.zeros(nbytes + 128, np.uint8)
    base = (-raw.ctypes.data) % 64 + misalign
    # a typed view at any byte offset (numpy allows unaligned arrays)
    out = np.ndarray((nbytes // esz,), dtype=f"u{esz}", buffer=raw, offset=base)
    _core.fill(out, DIST[dist], code, KEY, stream, params,
               np.asarray(starts, np.uint64), row_len, nthreads)
    return out.tobytes()


def test_levels_api():
    assert AVAILABLE[0] == "portable" and _core.simd_level() in AVAILABLE
    assert _core.set_simd_level("portable") == "portable"
    best = AVAILABLE[-1]
    assert _core.set_simd_level("avx512") == best  # capped to what the CPU has
    with pytest.raises(ValueError, match="SIMD level"):
        _core.set_simd_level("sse9")


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}-{len(c[2]) and c[2][0]}")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.one_of(st.integers(0, 5000), st.integers(0, 2**64 - 10**5)),
       n=st.integers(1, 3000), misalign=st.integers(0, 63))
def test_level_equals_portable(level, case, start, n, misalign):
    """Random offsets (including counters near 2**64: block numbers wrap), lengths and
    output alignments, including addresses that are not a multiple of the itemsize."""
    want = fill("portable", case, [start], n, misalign)
    got = fill(level, case, [start], n, misalign)
    assert got == want


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("case", [c for c in CASES if c[0] != "truncnorm" or c[2][0] == -2.0],
                         ids=lambda c: f"{c[0]}-{c[1]}")
def test_regions_and_block_boundaries(level, case):
    """Many short rows (a region of a tensor): every head/tail path of the range fill,
    and rows that straddle the 2**32 block boundary of the counter."""
    starts = [0, 1, 2, 3, 1021, 4 * 2**32 - 37, 2 * 2**32 - 1, 12345]
    for row_len in (1, 2, 3, 5, 17, 131):
        assert fill(level, case, starts, row_len, 3) == fill("portable", case, starts, row_len, 3)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("dt", ["f32", "f64", "f16", "bf16"])
def test_streaming_stores(level, dt):
    """Outputs of >= 8 MiB take the non-temporal store path (uniform and raw bits in
    4/8-byte dtypes; fill.c); misaligned by a few bytes."""
    code, esz = DT[dt]
    n = (9 << 20) // esz + 13
    for case in (("uniform", dt, (-1.0, 2.0)), ("normal", dt, (0.0, 1.0))):
        want = fill("portable", case, [5], n, 6)
        assert fill(level, case, [5], n, 6) == want
        assert fill(level, case, [5], n, 0) == want


@pytest.mark.parametrize("level", ["portable"] + LEVELS)
def test_two_threads_equal_one(level):
    """OpenMP threads split the output at any element: 2 threads give the bits of 1."""
    n = (1 << 20) + 7
    for case in (("uniform", "f32", (0.0, 1.0)), ("normal", "f64", (0.0, 1.0)),
                 ("truncnorm", "f32", (-2.0, 2.0, 0.0, 1.0, -2.0, 2.0)),
                 ("normal", "bf16", (0.0, 1.0))):
        one = fill(level, case, [3], n, 0, nthreads=1)
        assert fill(level, case, [3], n, 0, nthreads=2) == one
        assert fill(level, case, [3], n, 4, nthreads=3) == one


@pytest.mark.parametrize("level", ["portable"] + LEVELS)
def test_f16_conversion_equals_header(level):
    """The float32 -> float16 conversion of each level (F16C on x86) against the header's
    winit_f32_to_f16: every bit pattern around the subnormal / normal / overflow
    boundaries of float16 (both signs), and a stride over all 2**32 (NaNs included)."""
    ranges = [(0x33000000 - 2**16, 0x38800000 - 0x33000000 + 2**17),  # zero/subnormal/normal
              (0x477FE000 - 2**16, 2**17),                             # overflow boundary
              (0x7F800000 - 2**10, 2**23 + 2**11)]                      # inf, NaNs
    for start, count in ranges:
        for sign in (0, 0x80000000):
            assert _core._f16_mismatches(level, (start | sign) & 0xFFFFFFFF, count) == 0
    for k in range(0, 2**32, 2**32 // 256):
        assert _core._f16_mismatches(level, k + 12345, 4099) == 0


SNIPPET = """
import hashlib, numpy as np, winit
from winit._core import _core
h = hashlib.sha256()
for dist, code, params in ((_core.DIST_UNIFORM, _core.DT_FLOAT32, (0.0, 1.0)),
                           (_core.DIST_NORMAL, _core.DT_FLOAT32, (0.0, 1.0)),
                           (_core.DIST_NORMAL, _core.DT_FLOAT64, (1.0, 3.0)),
                           (_core.DIST_TRUNCNORM, _core.DT_FLOAT32, (-2.0, 2.0, 0.0, 1.0, -2.0, 2.0)),
                           (_core.DIST_TRUNCNORM, _core.DT_FLOAT64, (-1.0, 3.0, 0.0, 1.0, -1.0, 3.0)),
                           (_core.DIST_NORMAL, _core.DT_FLOAT16, (0.0, 1.0))):
    out = np.empty(300_001, {_core.DT_FLOAT64: np.float64, _core.DT_FLOAT16: np.float16}.get(code, np.float32))
    _core.fill(out, dist, code, (1, 2), 3, params, np.array([77], np.uint64), out.size)
    h.update(out.tobytes())
print(_core.simd_level(), h.hexdigest())
"""


def run_forced(level):
    env = dict(os.environ, WINIT_SIMD=level)
    r = subprocess.run([sys.executable, "-c", SNIPPET], env=env, capture_output=True, text=True,
                       check=True)
    return r.stdout.split()


@pytest.mark.parametrize("level", LEVELS)
def test_forced_level_subprocess(level):
    lv, digest = run_forced(level)
    assert lv == level
    lv0, want = run_forced("portable")
    assert lv0 == "portable"
    assert digest == want


def test_info_reports_level():
    env = dict(os.environ, WINIT_SIMD="portable")
    r = subprocess.run([sys.executable, "-m", "winit", "info"], env=env, capture_output=True,
                       text=True, check=True)
    assert "SIMD level: portable" in r.stdout


def test_config_reports_level():
    cfg = winit.config()
    assert cfg["simd_level"] == _core.simd_level() and cfg["simd_level"] in cfg["simd_available"]
    assert cfg["threads"] == winit.get_num_threads() and cfg["version"] == winit.__version__
    assert set(cfg["cuda"]) >= {"available", "error"}
    code = "import json, winit; c = winit.config(); print(json.dumps([c['simd_level'], c['simd_env']]))"
    r = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, WINIT_SIMD="portable"),
                       capture_output=True, text=True, check=True)
    assert json.loads(r.stdout) == ["portable", "portable"]


EMU = Path(__file__).parent / "simd_emulate"
CORE = Path(winit.__file__).parent / "_core"


def _simde_include():
    for d in [os.environ.get("SIMDE_INCLUDE"), "/usr/include", "/usr/local/include"]:
        if d and (Path(d) / "simde" / "x86" / "avx512.h").exists():
            return d
    return None


@pytest.mark.skipif("avx512" in AVAILABLE, reason="this CPU runs the avx512 level natively")
@pytest.mark.skipif(_simde_include() is None or shutil.which("gcc") is None
                    or platform.machine() not in ("x86_64", "AMD64"),
                    reason="needs gcc on x86-64 and the SIMDe headers (libsimde-dev) to emulate AVX-512")
def test_avx512_level_under_emulation(tmp_path):
    """No AVX-512 here: compile the avx512 level with its intrinsics emulated by SIMDe
    (tests/simd_emulate/) and compare its block fills with the portable ones, bit for
    bit (random offsets near 2**32 / 2**64, lengths, alignments, streaming stores),
    and its float16 conversion. gcc's AVX-512 code for the header math is not run."""
    flags = ["-fopenmp", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math",
             "-Wno-psabi", f"-I{CORE / 'include'}", f"-I{CORE}", f"-I{EMU}",
             f"-I{_simde_include()}"]
    emu = tmp_path / "emu512.o"
    subprocess.run(["gcc", "-O0", *flags, '-DWINIT_EMULATE_AVX512="simde_avx512.h"', "-c",
                    str(CORE / "simd_avx512.c"), "-o", str(emu)], check=True)
    subprocess.run(["gcc", "-O0", *flags, "-c", str(CORE / "simd_avx2.c"),  # linked, not run
                    "-o", str(tmp_path / "avx2.o")], check=True)
    exe = tmp_path / "emulate"
    subprocess.run(["gcc", "-O1", *flags, str(EMU / "emulate.c"), str(emu),
                    str(tmp_path / "avx2.o"), "-o", str(exe), "-lm"], check=True)
    r = subprocess.run([str(exe), "8"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("OK"), r.stdout + r.stderr


@pytest.mark.skipif(shutil.which("aarch64-linux-gnu-gcc") is None or shutil.which("qemu-aarch64") is None
                    or shutil.which("gcc") is None,
                    reason="needs gcc, aarch64-linux-gnu-gcc and qemu-aarch64 (qemu-user)")
def test_portable_level_on_aarch64(tmp_path):
    """Non-x86 builds have the portable level only; built for aarch64 (NEON, hardware
    FMA) and run under qemu-user, it gives the bytes of the x86-64 portable level."""
    flags = ["-O3", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math", "-fopenmp",
             f"-I{CORE / 'include'}", f"-I{CORE}"]
    src = [str(EMU / "dump_portable.c")]
    x86, arm = tmp_path / "dump_x86", tmp_path / "dump_arm"
    subprocess.run(["gcc", *flags, "-O0", "-c", str(CORE / "simd_avx2.c"), "-o", str(tmp_path / "a2.o")], check=True)
    subprocess.run(["gcc", *flags, "-O0", "-c", str(CORE / "simd_avx512.c"), "-o", str(tmp_path / "a5.o")], check=True)
    subprocess.run(["gcc", *flags, *src, str(tmp_path / "a2.o"), str(tmp_path / "a5.o"), "-o", str(x86), "-lm"],
                   check=True)
    subprocess.run(["aarch64-linux-gnu-gcc", *flags, "-static", *src, "-o", str(arm), "-lm"], check=True,
                   capture_output=True)
    want = subprocess.run([str(x86)], capture_output=True, check=True).stdout
    got = subprocess.run(["qemu-aarch64", str(arm)], capture_output=True, check=True).stdout
    assert len(want) == 4 * 15 * 4096 * 16 and got == want  # 4 parameter sets x 15 (dist, dtype)
