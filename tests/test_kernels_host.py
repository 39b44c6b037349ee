"""The GPU path, checked without a GPU.

- The kernels compile with nvcc for every shipped arch (sm_80/86/89/90 machine code +
  compute_90 PTX), with IEEE-exact flags.
- A host build of the same kernel source (kernels/host_harness.cpp includes
  winit_kernels.cu and runs winit_kernels' per-thread body, winit_kitem, for every work
  item of a launch) equals the CPU core bit for bit, for every kernel of
  winit/kernels.h, at odd offsets and lengths, for regions, in any work-item order. The
  launch arguments come from winit._cuda.launch_plan with the parameters packed by
  winit._core.Fill -- the bytes the GPU gets -- so the packing is checked too.
- The package ships the fatbin and the sources; device="cuda" fails cleanly, naming
  the cause, and `out=` is validated from __cuda_array_interface__ before that.
"""
from __future__ import annotations

import importlib.util
import math
import os
import re
import shutil
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest

import winit
from winit import _cuda
from winit._core import _core
from winit._plan import rows
from winit._sampling import truncnorm_params

ROOT = Path(__file__).resolve().parent.parent
KERNELS = ROOT / "kernels"
INCLUDE = ROOT / "winit" / "_core" / "include"

spec = importlib.util.spec_from_file_location("winit_build_fatbin", KERNELS / "build_fatbin.py")
build_fatbin = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_fatbin)

NVCC = build_fatbin.find_nvcc()
needs_nvcc = pytest.mark.skipif(NVCC is None, reason="nvcc not found (CUDA toolkit not installed)")

NP_DTYPE = {_core.DT_FLOAT32: np.float32, _core.DT_FLOAT64: np.float64,
            _core.DT_FLOAT16: np.float16, _core.DT_BFLOAT16: ml_dtypes.bfloat16,
            _core.DT_UINT32: np.uint32}


# ------------------------------------------------------------------ nvcc: the fatbin

@pytest.fixture(scope="session")
def fatbin(tmp_path_factory) -> bytes:
    """The fatbin, compiled with the command setup.py uses (reusing the package's
    own when it is up to date with the sources)."""
    if NVCC is None:
        pytest.skip("nvcc not found (CUDA toolkit not installed)")
    shipped = ROOT / "winit" / "_kernels" / build_fatbin.FATBIN
    if shipped.is_file() and not build_fatbin._stale(shipped):
        return shipped.read_bytes()
    out = tmp_path_factory.mktemp("fatbin") / "k.fatbin"
    t0 = time.perf_counter()
    r = subprocess.run(build_fatbin.fatbin_command(NVCC, out), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    print(f"fatbin built in {time.perf_counter() - t0:.1f} s")
    return out.read_bytes()


def test_fatbin_has_every_arch(fatbin):
    images = _cuda.fatbin_images(fatbin)
    sms = sorted(a for k, a in images if k == "sm")
    ptx = sorted(a for k, a in images if k == "ptx")
    assert sms == [int(a) for a in build_fatbin.ARCHS]
    assert ptx == [int(build_fatbin.ARCHS[-1])]
    # what the loader decides from it
    assert _cuda.fatbin_fits(images, (8, 0)) and _cuda.fatbin_fits(images, (8, 7))
    assert _cuda.fatbin_fits(images, (9, 0)) and _cuda.fatbin_fits(images, (12, 0))  # PTX JIT
    assert not _cuda.fatbin_fits(images, (7, 5))  # Turing: SourceModule


def test_fatbin_cross_check_with_cuobjdump(fatbin, tmp_path):
    cuobjdump = shutil.which("cuobjdump") or (NVCC and shutil.which(
        "cuobjdump", path=str(Path(os.path.realpath(NVCC)).parent)))
    if not cuobjdump:
        pytest.skip("cuobjdump not in this toolkit; the fatbin header parser is used instead")
    f = tmp_path / "k.fatbin"
    f.write_bytes(fatbin)
    elf = subprocess.run([cuobjdump, "--list-elf", str(f)], capture_output=True, text=True).stdout
    ptx = subprocess.run([cuobjdump, "--list-ptx", str(f)], capture_output=True, text=True).stdout
    assert sorted(set(re.findall(r"sm_(\d+)", elf))) == list(build_fatbin.ARCHS)
    assert re.findall(r"sm_(\d+)", ptx) == [build_fatbin.ARCHS[-1]]


def test_fatbin_has_every_kernel(fatbin):
    names = set(re.findall(rb"winit_k_\w+", fatbin))
    want = {name.encode() for name, _, _ in _cuda.KERNELS.values()}
    want |= {f"winit_k_{op}_{w}".encode() for op in ("fill", "scatter")
             for w in ("u16", "u32", "u64", "u128")}
    assert want <= names


def test_ptx_is_ieee_exact(fatbin):
    """No fast-math instructions in the device code (flushed or approximate float32
    arithmetic, approximate transcendentals): only correctly rounded ops."""
    ptx = b"".join(m for m in re.findall(rb"\.version[^\x00]*", fatbin))
    assert b".target sm_90" in ptx
    bad = re.findall(rb"\b(?:(?:sin|cos|lg2|ex2|tanh)\.approx|(?:sqrt|div|rcp|rsqrt)\.approx"
                     rb"(?:\.ftz)?\.f32|div\.full|[a-z0-9]+\.ftz\.f32)[\w.]*", ptx)
    assert not bad, sorted(set(bad))[:10]


def test_build_flags_are_exact():
    cmd = build_fatbin.fatbin_command("nvcc", "x.fatbin")
    assert "--fmad=false" in cmd and "--ftz=false" in cmd
    assert "--prec-div=true" in cmd and "--prec-sqrt=true" in cmd
    assert not any("fast_math" in c or "fast-math" in c for c in cmd)
    # the run-time (SourceModule) path compiles with the same device flags
    assert tuple(_cuda.NVCC_DEVICE_FLAGS) == tuple(build_fatbin.DEVICE_FLAGS)


# ------------------------------------------------------------------ the host harness

def _build_harness(compiler: str, out: Path) -> Path:
    src = KERNELS / "host_harness.cpp"
    if compiler == "g++":
        cmd = ["g++", "-x", "c++", "-std=c++11", "-O2", "-ffp-contract=off", "-Wall", "-Werror"]
    else:
        cmd = [NVCC, "-x", "cu", "-O2", "-Xcompiler", "-ffp-contract=off,-Wall,-Werror",
               "-arch=sm_80"]
    cmd += [f"-I{INCLUDE}", f"-I{KERNELS}", str(src), "-o", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stdout}{r.stderr}"
    return out


@pytest.fixture(scope="session", params=["g++", "nvcc"])
def harness(request, tmp_path_factory) -> Path:
    if request.param == "g++" and shutil.which("g++") is None:
        pytest.skip("g++ not found")
    if request.param == "nvcc" and NVCC is None:
        pytest.skip("nvcc not found (CUDA toolkit not installed)")
    return _build_harness(request.param, tmp_path_factory.mktemp("harness") / "hh")


def run_harness(exe: Path, plan: _cuda.Launch, order: str = "forward") -> bytes:
    head = plan.params + np.array([plan.k0, plan.k1], "<u4").tobytes() + np.array(
        [plan.stream, plan.start, plan.nrows, plan.len, plan.nbmax,
         plan.row_start is not None], "<u8").tobytes()
    if plan.row_start is not None:
        head += plan.row_start.astype("<u8").tobytes()
    r = subprocess.run([str(exe), "run", plan.kernel, order], input=head, capture_output=True)
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout


def test_harness_kernel_list_matches_loader(harness):
    """The .cu file and the CPU core expand the same list (winit/kernels.h): same
    kernels, elements per block, element and parameter struct sizes -- so the bytes
    winit._core.Fill packs are the struct the kernel takes by value."""
    out = subprocess.run([str(harness), "list"], capture_output=True, text=True, check=True).stdout
    listed = {name: (int(epb), int(isz), int(psize))
              for name, epb, isz, _, psize in (l.split() for l in out.splitlines())}
    want = {f"winit_k_{name}": (epb, isz, psize) for name, _, _, epb, isz, psize in _core.KERNELS}
    assert listed == want
    assert {name for name, _, _ in _cuda.KERNELS.values()} == set(want)
    for name, dist, code, *_, psize in _core.KERNELS:
        assert len(_core.Fill(dist, code, _params(dist)[0]).param_bytes) == psize, name


def test_every_cpu_combination_has_a_kernel():
    for dist in range(5):
        for code in range(5):
            try:
                _core.fill(np.empty(0, NP_DTYPE[code]), dist, code, (1, 2), 0,
                           _params(dist)[0], np.zeros(1, np.uint64), 0)
                cpu = True
            except ValueError:
                cpu = False
            assert cpu == ((dist, code) in _cuda.KERNELS), (dist, code)


def _params(dist: int) -> list[tuple]:
    if dist == _core.DIST_BITS:
        return [()]
    if dist == _core.DIST_UNIFORM:
        return [(-0.3, 1.7), (0.1, 1e-3)]
    if dist == _core.DIST_NORMAL:
        return [(0.5, 2.0), (0.0, 0.02)]
    if dist == _core.DIST_TRUNCNORM:
        return [truncnorm_params(0.0, 1.0, -2.0, 2.0, "std"),      # symmetric, direct
                truncnorm_params(0.1, 0.02, -0.3, 0.05, "absolute"),  # asymmetric
                truncnorm_params(0.0, 1.0, 10.0, 12.0, "std"),     # far tail: float32 log branch
                truncnorm_params(0.0, 1.0, -41.0, -40.0, "std"),   # far tail: float64 log branch
                truncnorm_params(1.0, 2.0, -math.inf, 0.5, "absolute"),  # one-sided
                truncnorm_params(0.0, 1.0, 3.0, 3.0001, "std"),    # narrow: float32 wide mode
                truncnorm_params(0.0, 1.0, -1e20, -1e19, "std")]   # far out: float32 wide mode
    if dist == _core.DIST_POLAR:
        return [(1.3, 0.0, 0), (0.7, 1.0 - math.exp(-4.0), 1)]
    raise AssertionError(dist)


# (row starts, row length): odd offsets and lengths, partial blocks at both ends,
# a start beyond 2^32 blocks, and regions whose rows start at every residue mod 4
RANGES = [
    ([0], 1), ([0], 4), ([1], 1), ([3], 2), ([5], 17), ([2], 2), ([7], 1001),
    ([(1 << 34) + 3], 37), ([(1 << 33) * 4 - 1], 6),
]


def _region(full, reg):
    _, starts, row_len = rows(full, tuple(reg))
    return list(starts), row_len


REGIONS = [_region((7, 13), [(1, 6), (3, 10)]), _region((5, 6, 9), [(1, 4), (2, 5), (1, 8)]),
           _region((9, 3), [(0, 9), (1, 2)])]


def _plan(dist, code, key, stream, params, starts, row_len, order=None):
    return _cuda.launch_plan(_core.Fill(dist, code, params), key, stream, starts, row_len)


def _cpu(dist, code, key, stream, params, starts, row_len) -> bytes:
    out = np.empty(len(starts) * row_len, NP_DTYPE[code])
    _core.fill(out, dist, code, key, stream, params, np.array(starts, np.uint64), row_len)
    return out.tobytes()


def _stale_core_hint() -> str:
    """Why a mismatch may be the build's fault: the CPU core compiled before the headers
    changed (the harness always compiles the current headers)."""
    so = Path(_core.__file__)
    newer = [h.name for h in (INCLUDE / "winit").glob("*.h") if h.stat().st_mtime > so.stat().st_mtime]
    return (f"; NOTE: {', '.join(newer)} changed after {so.name} was built: rebuild the CPU "
            "core (python setup.py build_ext --inplace)") if newer else ""


KEY = (0xDEADBEEF, 0x12345678)
STREAM = (1 << 56) | 0x5A5A5


@pytest.mark.parametrize("combo", sorted(_cuda.KERNELS), ids=lambda c: _cuda.KERNELS[c][0])
def test_host_build_equals_cpu(harness, combo):
    dist, code = combo
    n = 0
    for params in _params(dist):
        for starts, row_len in RANGES + REGIONS:
            plan = _plan(dist, code, KEY, STREAM, params, starts, row_len)
            want = _cpu(dist, code, KEY, STREAM, params, starts, row_len)
            got = run_harness(harness, plan)
            assert got == want, f"{params} {starts[:3]} {row_len}{_stale_core_hint()}"
            n += len(want)
    assert n > 0


@pytest.mark.parametrize("order", ["reverse", "grid:7", "grid:1000"])
def test_host_build_any_work_order(harness, order):
    """Work items are independent: any thread order gives the same bits."""
    for combo in [(_core.DIST_NORMAL, _core.DT_FLOAT16), (_core.DIST_UNIFORM, _core.DT_FLOAT64),
                  (_core.DIST_TRUNCNORM, _core.DT_FLOAT32)]:
        params = _params(combo[0])[0]
        for starts, row_len in [([5], 1001)] + REGIONS:
            plan = _plan(*combo, KEY, STREAM, params, starts, row_len)
            assert run_harness(harness, plan, order) == _cpu(
                *combo, KEY, STREAM, params, starts, row_len), _stale_core_hint()


def test_host_build_whole_call_equals_public_api(harness):
    """Through generate's own arguments: winit.normal(..., region=) on the CPU and the
    launch the GPU would get for the same call."""
    full, reg = (33, 65), (slice(3, 30), slice(5, 64))
    want = winit.truncated_normal(full, std=0.02, lo=-0.04, hi=0.03, rng=9, region=reg,
                                  dtype="bfloat16")
    _, starts, row_len = rows(full, ((3, 30), (5, 64)))
    g = winit.Generator(9)
    plan = _plan(_core.DIST_TRUNCNORM, _core.DT_BFLOAT16, g.key, g.stream(),
                 truncnorm_params(0.0, 0.02, -0.04, 0.03, "absolute"), starts, row_len)
    assert run_harness(harness, plan, "grid:33") == want.tobytes()


def test_launch_plan_work_items():
    p = _plan(_core.DIST_UNIFORM, _core.DT_FLOAT32, KEY, 0, (0.0, 1.0), [5], 17)
    assert (p.start, p.nrows, p.len, p.row_start) == (5, 1, 17, None)
    assert p.nbmax == (5 + 17 - 1) // 4 - 5 // 4 + 1
    p = _plan(_core.DIST_UNIFORM, _core.DT_FLOAT64, KEY, 0, (0.0, 1.0), [1, 4, 7], 3)
    assert p.nrows == 3 and p.nbmax == 2 and list(p.row_start) == [1, 4, 7]
    p = _plan(_core.DIST_NORMAL, _core.DT_FLOAT32, KEY, 0, (0.0, 1.0), [], 0)
    assert p.nwork == 0
    with pytest.raises(ValueError, match="unsupported"):
        _plan(_core.DIST_POLAR, _core.DT_FLOAT16, KEY, 0, (1.0, 0.0, 0), [0], 4)


# ------------------------------------------------------------------ packaging

def test_build_copies_source_and_builds_fatbin(tmp_path, monkeypatch):
    """What setup.py does: the .cu always lands in winit/_kernels; the fatbin needs nvcc."""
    monkeypatch.setenv("WINIT_BUILD_CUDA", "0")
    assert build_fatbin.build(tmp_path, log=lambda *a: None) is None
    assert (tmp_path / "winit_kernels.cu").read_bytes() == (KERNELS / "winit_kernels.cu").read_bytes()


def test_package_data_config_ships_kernels():
    try:
        import tomllib
    except ImportError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())
    globs = cfg["tool"]["setuptools"]["package-data"]["winit"]
    assert "_kernels/*.fatbin" in globs and "_kernels/*.cu" in globs
    assert "_core/include/winit/*.h" in globs  # SourceModule's include dir
    assert cfg["project"]["optional-dependencies"]["cuda"] == ["pycuda>=2024.1"]
    assert any(m.startswith("gpu:") for m in cfg["tool"]["pytest"]["ini_options"]["markers"])
    manifest = (ROOT / "MANIFEST.in").read_text()
    assert "kernels/winit_kernels.cu" in manifest  # the sdist can rebuild them
    setup_py = (ROOT / "setup.py").read_text()
    assert "BuildExtWithKernels" in setup_py and "build_fatbin.py" in setup_py


def test_installed_package_contains_kernels():
    """After a build (pip install [-e] ., or setup.py build_ext --inplace) the package
    holds the kernel source, the headers and -- if nvcc was there -- the fatbin."""
    kdir = resources.files("winit").joinpath("_kernels")
    if not kdir.joinpath("winit_kernels.cu").is_file():
        pytest.skip("winit has not been built with this setup.py here (no winit/_kernels); "
                    "run `python setup.py build_ext --inplace` or `pip install -e .`")
    assert kdir.joinpath("winit_kernels.cu").read_bytes() == (KERNELS / "winit_kernels.cu").read_bytes()
    for h in ("common", "philox", "transforms", "mathfn", "element"):
        assert resources.files("winit").joinpath("_core", "include", "winit", f"{h}.h").is_file()
    assert _cuda.source_path() is not None
    if NVCC is not None:
        fb = kdir.joinpath("winit_kernels.fatbin")
        assert fb.is_file()
        assert _cuda.fatbin_path() is not None
        assert sorted(a for k, a in _cuda.fatbin_images(fb.read_bytes()) if k == "sm") == [
            int(a) for a in build_fatbin.ARCHS]


def test_wheel_and_sdist_contain_kernels(tmp_path):
    """A real wheel and sdist build (slow: compiles everything); opt-in."""
    if os.environ.get("WINIT_TEST_WHEEL") != "1":
        pytest.skip("set WINIT_TEST_WHEEL=1 to build a wheel and an sdist")
    import tarfile
    import zipfile
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                        "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    names = zipfile.ZipFile(next(tmp_path.glob("*.whl"))).namelist()
    assert "winit/_kernels/winit_kernels.cu" in names
    assert "winit/_core/include/winit/element.h" in names
    if NVCC is not None:
        assert "winit/_kernels/winit_kernels.fatbin" in names
    r = subprocess.run([sys.executable, "setup.py", "-q", "sdist", "-d", str(tmp_path)],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    members = tarfile.open(next(tmp_path.glob("*.tar.gz"))).getnames()
    assert any(m.endswith("kernels/winit_kernels.cu") for m in members)
    assert not any("_kernels/" in m and m.endswith(".fatbin") for m in members)


# ------------------------------------------------------------------ no GPU: clean errors

@pytest.fixture
def fresh_driver(monkeypatch):
    """Forget any driver state, so each test sees its own (faked) environment."""
    monkeypatch.setattr(_cuda._driver, "_drv", None)
    monkeypatch.setattr(_cuda._driver, "_drv_error", None)
    monkeypatch.setattr(_cuda._driver, "_devices", {})


class _FakeModule:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def _fake_pycuda(monkeypatch, driver):
    """Install a fake `pycuda` whose `pycuda.driver` is `driver` (a module-like object,
    or an exception to raise on import)."""
    import types
    pkg = types.ModuleType("pycuda")
    pkg.__path__ = []
    monkeypatch.setitem(sys.modules, "pycuda", pkg)
    if isinstance(driver, BaseException):
        class _Finder:
            def find_spec(self, name, path=None, target=None):
                if name == "pycuda.driver":
                    raise driver
                return None
        monkeypatch.setattr(sys, "meta_path", [_Finder()] + sys.meta_path)
        monkeypatch.delitem(sys.modules, "pycuda.driver", raising=False)
    else:
        monkeypatch.setitem(sys.modules, "pycuda.driver", driver)
        pkg.driver = driver


def test_no_pycuda_names_the_extra(monkeypatch, fresh_driver):
    monkeypatch.setitem(sys.modules, "pycuda", None)
    g = winit.Generator(3)
    with pytest.raises(winit.CudaUnavailableError, match=r"PyCUDA is not installed.*winit\[cuda\]") as e:
        winit.normal((4, 4), rng=g, device="cuda")
    assert isinstance(e.value, RuntimeError)
    assert g.position == 0  # no stream taken
    info = _cuda.status()
    assert not info["available"] and "PyCUDA" in info["error"]
    assert "CUDA: unavailable" in _cuda.format_status(info)


def test_no_driver_library(monkeypatch, fresh_driver):
    _fake_pycuda(monkeypatch, _FakeModule())

    def missing():
        raise OSError("libcuda.so.1: cannot open shared object file: No such file or directory")
    monkeypatch.setattr(_cuda._driver, "_libcuda", missing)
    with pytest.raises(winit.CudaUnavailableError, match=r"no NVIDIA driver.*libcuda\.so\.1"):
        winit.uniform((3,), device="cuda")


STUB_DRIVER = r"""
int cuInit(unsigned flags) { (void)flags; return INIT_RC; }
int cuDeviceGetCount(int *n) { *n = 0; return 0; }
"""


@pytest.mark.skipif(shutil.which("gcc") is None or sys.platform != "linux", reason="needs gcc on Linux")
@pytest.mark.parametrize("init_rc, cause", [
    (34, r"stub"),                          # the toolkit's stubs/libcuda.so
    (100, r"no CUDA-capable device"),       # a driver, no GPU
    (0, r"0 devices"),                      # cuInit fine, no device
    (35, r"older"),
])
def test_driver_probe_with_a_stub_library(tmp_path, init_rc, cause):
    """A real libcuda.so.1 stand-in (built here) first on the library path, a
    placeholder `pycuda` package: device='cuda' raises CudaUnavailableError naming it."""
    lib = tmp_path / "lib"
    lib.mkdir()
    (tmp_path / "stub.c").write_text(STUB_DRIVER.replace("INIT_RC", str(init_rc)))
    subprocess.run(["gcc", "-shared", "-fPIC", "-Wl,-soname,libcuda.so.1", "-o",
                    str(lib / "libcuda.so.1"), str(tmp_path / "stub.c")], check=True)
    (tmp_path / "site" / "pycuda").mkdir(parents=True)
    (tmp_path / "site" / "pycuda" / "__init__.py").write_text("")
    code = ("import winit\n"
            "try:\n    winit.normal((2,), device='cuda')\n"
            "except winit.CudaUnavailableError as e:\n    print('ERR', e)\n")
    env = dict(os.environ, LD_LIBRARY_PATH=str(lib),
               PYTHONPATH=os.pathsep.join([str(tmp_path / "site"), str(ROOT)]))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("ERR ") and re.search(cause, r.stdout), r.stdout


def _driver_failing_init(msg):
    class Error(Exception):
        pass

    def init():
        raise Error(msg)
    return _FakeModule(Error=Error, init=init, Device=None)


@pytest.mark.parametrize("driver, cause", [
    (ImportError("/x/_driver.so: undefined symbol: cuFoo_v2"), r"does not match PyCUDA"),
    (_driver_failing_init("cuInit failed: no CUDA-capable device is detected"),
     r"no CUDA-capable device"),
    (_driver_failing_init("cuInit failed: CUDA driver is a stub library"), r"stub"),
    (_FakeModule(Error=Exception, init=lambda: None, Device=_FakeModule(count=lambda: 0)),
     r"0 devices"),
])
def test_pycuda_failures_are_named(monkeypatch, fresh_driver, driver, cause):
    """When the driver probe passes but PyCUDA's own import / cuInit fails."""
    _fake_pycuda(monkeypatch, driver)
    monkeypatch.setattr(_cuda._driver, "_probe_driver", lambda: "")
    g = winit.Generator(3)
    with pytest.raises(winit.CudaUnavailableError, match=cause):
        winit.normal((4, 4), rng=g, device="cuda")
    assert g.position == 0


def test_info_reports_cuda(capsys):
    from winit.__main__ import main
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "CUDA:" in out and "fatbin:" in out and "kernel source:" in out


class _CAI:
    def __init__(self, shape, typestr, strides=None, readonly=False, ptr=1 << 20, **extra):
        self.__cuda_array_interface__ = dict(shape=shape, typestr=typestr, strides=strides,
                                             data=(ptr, readonly), version=3, **extra)


@pytest.mark.parametrize("out, exc, match", [
    (np.empty(4, np.float32), TypeError, r"`out`.*__cuda_array_interface__"),
    (_CAI((5,), "<f4"), ValueError, r"`out`.*shape \(4,\)"),
    (_CAI((4,), "<f8"), ValueError, r"`out`.*dtype float32"),
    (_CAI((4,), "<f4", strides=(8,)), ValueError, r"`out`.*contiguous"),
    (_CAI((4,), "<f4", readonly=True), ValueError, r"`out`.*read-only"),
])
def test_out_is_validated_before_the_gpu_is_touched(monkeypatch, fresh_driver, out, exc, match):
    monkeypatch.setitem(sys.modules, "pycuda", None)  # so a GPU lookup would raise
    g = winit.Generator(1)
    with pytest.raises(exc, match=match):
        winit.normal((4,), rng=g, device="cuda", out=out)
    assert g.position == 0


def test_out_accepts_contiguous_interfaces():
    f32 = np.dtype(np.float32)
    assert _cuda.check_out(_CAI((2, 3), "<f4"), (2, 3), f32)[0] == 1 << 20
    assert _cuda.check_out(_CAI((2, 3), "<f4", strides=(12, 4)), (2, 3), f32)
    assert _cuda.check_out(_CAI((1, 3), "<f4", strides=(999, 4)), (1, 3), f32)  # size-1 dim
    assert _cuda.check_out(_CAI((0, 3), "<f4", strides=(4, 4), ptr=0), (0, 3), f32)[0] == 0
    bf16 = np.dtype(ml_dtypes.bfloat16)
    for ts in ("<i2", "<u2", "<V2"):  # torch: t.view(torch.int16); GPUArray of bfloat16
        assert _cuda.check_out(_CAI((3,), ts), (3,), bf16)
    with pytest.raises(ValueError):
        _cuda.check_out(_CAI((3,), "<f2"), (3,), bf16)
    assert _cuda.check_out(_CAI((3,), "<f4", stream=7), (3,), f32)[1] == 7


@pytest.mark.parametrize("device", ["gpu", "cuda:x", "CUDA", 0, None])
def test_bad_device_name(device):
    with pytest.raises(ValueError, match=r"`device`.*'cuda:N'"):
        winit.uniform((2,), device=device)


def test_parse_device():
    assert _cuda.parse_device("cuda") == 0 and _cuda.parse_device("cuda:3") == 3


def test_value_bits_for_structured_fills():
    assert _cuda._arrays._value_bits(1.0, {"typestr": "<f4"}) == ("u32", [("I", 0x3F800000)])
    assert _cuda._arrays._value_bits(1.0, {"typestr": "<V2"}) == ("u16", [("H", 0x3F80)])  # bfloat16
    assert _cuda._arrays._value_bits(1.0, {"typestr": "<i2"}, ml_dtypes.bfloat16) == ("u16", [("H", 0x3F80)])
    assert _cuda._arrays._value_bits(1.0, {"typestr": "<f2"}) == ("u16", [("H", 0x3C00)])
    assert _cuda._arrays._value_bits(-2.0, {"typestr": "<f8"}) == ("u64", [("Q", 0xC000000000000000)])
    assert _cuda._arrays._value_bits(1 + 2j, {"typestr": "<c16"}) == (
        "u128", [("Q", 0x3FF0000000000000), ("Q", 0x4000000000000000)])
    with pytest.raises(ValueError, match="match"):
        _cuda._arrays._value_bits(1.0, {"typestr": "<f4"}, np.float64)


def test_out_that_hides_its_interface(monkeypatch, fresh_driver):
    monkeypatch.setitem(sys.modules, "pycuda", None)

    class RequiresGrad:
        @property
        def __cuda_array_interface__(self):
            raise RuntimeError("Can't get __cuda_array_interface__ on Variable that requires grad.")

    with pytest.raises(TypeError, match="detach"):
        winit.normal((2,), device="cuda", out=RequiresGrad())
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="__cuda_array_interface__"):  # a CPU tensor
        winit.normal((2,), device="cuda", out=torch.zeros(2))
