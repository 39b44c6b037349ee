"""On a CUDA GPU: the GPU gives the CPU's bits, writes into torch/CuPy tensors in place,
shares the primary context with torch, and runs near the HBM write bandwidth.

Every test here is marked ``gpu`` and skips, saying why, where there is no usable GPU
(PyCUDA missing, no driver, no device). Run only these: ``pytest -m gpu``.
"""
from __future__ import annotations

import inspect
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest

import winit
from winit import _cuda

pytestmark = pytest.mark.gpu
ROOT = Path(__file__).resolve().parent.parent

try:
    GPU = _cuda.get_device(0)
    WHY = ""
except winit.CudaUnavailableError as e:
    GPU, WHY = None, str(e)


@pytest.fixture(autouse=True)
def _need_gpu():
    if GPU is None:
        pytest.skip(f"no usable CUDA GPU: {WHY}")


def host(x) -> np.ndarray:
    """A GPU result (PyCUDA GPUArray, torch or CuPy tensor) as a numpy array."""
    if hasattr(x, "get"):
        return x.get()
    if hasattr(x, "cpu"):
        return x.cpu().numpy()
    return np.asarray(x)


def same_bits(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def sync():
    with GPU.active():
        GPU.drv.Context.synchronize()


def _torch_cuda():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch has no CUDA here")
    return torch


# ------------------------------------------------------------------ GPU == CPU

def _random_schemes() -> list[str]:
    """Every public function taking device= and rng=: the base distributions and the
    whole scheme catalog as it grows. Element-wise ones run the GPU kernels; the others
    (orthogonal, sparse, identity, complex dtypes) compute on the host and upload --
    the promise is the same either way: the CPU's bits."""
    names = []
    for name in sorted(set(getattr(winit, "__all__", []))):
        f = getattr(winit, name, None)
        if not callable(f) or isinstance(f, type):
            continue
        try:
            params = inspect.signature(f).parameters
        except (TypeError, ValueError):
            continue
        if "device" in params and "rng" in params:
            names.append(name)
    return names


from conftest import DTYPES
SHAPES = [(1000, 1000), (3, 7, 11), (5, 1), (1,), (17, 33), (0, 3)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", _random_schemes())
def test_every_scheme_gpu_equals_cpu(name, dtype):
    """1M elements and odd sizes (partial Philox blocks at the end), every dtype the
    scheme accepts."""
    f = getattr(winit, name)
    ran = 0
    for shape in SHAPES:
        try:
            want = f(shape, dtype=dtype, rng=1234, device="cpu")
        except (TypeError, ValueError):
            continue  # dtype or rank this scheme does not take
        got = f(shape, dtype=dtype, rng=1234, device="cuda")
        assert same_bits(host(got), want), (name, dtype, shape)
        ran += 1
    if ran == 0:
        pytest.skip(f"{name} takes no {dtype}")


REGIONS = [
    ((1000, 1000), (slice(1, 999), slice(3, 998))),     # odd offsets in every row
    ((31, 17, 5), (slice(2, 29), slice(1, 16), slice(1, 4))),
    ((9, 7), (slice(4, 5),)),
    ((2**20, 2**13), (slice(2**20 - 3, None), slice(5, 2000))),  # flat index > 2^32
]


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("full, region", REGIONS)
def test_regions_gpu_equals_cpu(full, region, dtype):
    for f, kw in [(winit.uniform, dict(low=-1, high=2)), (winit.normal, dict(std=0.3)),
                  (winit.truncated_normal, dict(std=0.02, lo=-0.03, hi=0.05))]:
        want = f(full, **kw, dtype=dtype, rng=5, region=region)
        got = f(full, **kw, dtype=dtype, rng=5, region=region, device="cuda")
        assert same_bits(host(got), want), (f.__name__, full, region)


def test_far_tail_truncnorm_gpu_equals_cpu():
    for dtype in ("float32", "float64"):
        for lo, hi in [(10, 12), (-41, -40), (-math.inf, -38), (5, math.inf)]:
            want = winit.truncated_normal((4099,), lo=lo, hi=hi, bounds="std", dtype=dtype, rng=3)
            got = winit.truncated_normal((4099,), lo=lo, hi=hi, bounds="std", dtype=dtype, rng=3,
                                         device="cuda")
            assert same_bits(host(got), want), (dtype, lo, hi)


def test_generator_streams_advance_the_same_way():
    g1, g2 = winit.Generator(77), winit.Generator(77)
    for shape in [(10,), (1001,), (3, 3)]:
        assert same_bits(host(winit.normal(shape, rng=g1, device="cuda")),
                         winit.normal(shape, rng=g2))
    assert g1.position == g2.position


def test_polar_kernels_equal_cpu():
    """The complex kernels, through the raw fill (schemes reach them via generate)."""
    from winit._core import _core
    for code, dt in [(_core.DT_FLOAT32, np.float32), (_core.DT_FLOAT64, np.float64)]:
        for params in [(1.3, 0.0, 0), (0.7, 1.0 - math.exp(-4.0), 1)]:
            n = 2 * 50001
            want = np.empty(n, dt)
            _core.fill(want, _core.DIST_POLAR, code, (9, 10), 3, params, np.array([6], np.uint64), n)
            got = GPU.empty((n,), np.dtype(dt))
            _cuda.fill(got, _core.DIST_POLAR, code, (9, 10), 3, params, [6], n)
            assert same_bits(host(got), want)


def test_kernels_from_source_equal_fatbin(tmp_path):
    """The SourceModule path (nvcc at run time) gives the same bits as the fatbin."""
    if _cuda.find_nvcc() is None:
        pytest.skip("nvcc not on PATH: the SourceModule path cannot run here")
    code = ("import sys, numpy as np, winit\n"
            "x = winit.truncated_normal((777, 333), std=0.5, dtype=sys.argv[1], rng=2, device='cuda')\n"
            "from winit import _cuda; print(_cuda.get_device(0).kernels_from)\n"
            "sys.stdout.flush(); np.save(sys.argv[2], x.get().view(np.uint8))\n")
    for dtype in ("float32", "bfloat16", "float64"):
        outs = []
        for mode in ("source", "fatbin"):
            if mode == "fatbin" and _cuda.fatbin_path() is None:
                continue
            p = tmp_path / f"{mode}_{dtype}.npy"
            r = subprocess.run([sys.executable, "-c", code, dtype, str(p)], capture_output=True,
                               text=True, env=dict(os.environ, WINIT_CUDA_KERNELS=mode))
            assert r.returncode == 0, r.stderr[-3000:]
            assert r.stdout.strip() == mode
            outs.append(np.load(p))
        want = winit.truncated_normal((777, 333), std=0.5, dtype=dtype, rng=2)
        for o in outs:
            assert o.tobytes() == want.tobytes()


# ------------------------------------------------------------------ out= and hand-over

@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_out_into_torch_tensor_in_place(dtype):
    torch = _torch_cuda()
    t = torch.full((513, 257), 7.0, dtype=getattr(torch, dtype), device="cuda")
    ptr = t.data_ptr()
    r = winit.normal((513, 257), std=0.1, dtype=dtype, rng=8, device="cuda", out=t)
    assert r is t and t.data_ptr() == ptr
    assert same_bits(t.cpu().numpy(), winit.normal((513, 257), std=0.1, dtype=dtype, rng=8))


def test_out_torch_bfloat16():
    """bfloat16 tensors: directly where torch exports them ('<V2'), or as an int16 view."""
    torch = _torch_cuda()
    want = winit.uniform((100, 33), dtype="bfloat16", rng=4)
    t = torch.empty((100, 33), dtype=torch.bfloat16, device="cuda")
    winit.uniform((100, 33), dtype="bfloat16", rng=4, device="cuda", out=t.view(torch.int16))
    assert same_bits(t.view(torch.int16).cpu().numpy(), want.view(np.int16))
    t.zero_()
    try:
        winit.uniform((100, 33), dtype="bfloat16", rng=4, device="cuda", out=t)
    except TypeError as e:  # a torch without bfloat16 in __cuda_array_interface__
        assert "int16" in str(e)
    else:
        assert same_bits(t.view(torch.int16).cpu().numpy(), want.view(np.int16))


def test_out_parameter_needs_detach():
    torch = _torch_cuda()
    p = torch.nn.Parameter(torch.empty((16, 8), device="cuda"))
    with pytest.raises(TypeError, match="detach"):
        winit.normal((16, 8), rng=1, device="cuda", out=p)
    with torch.no_grad():
        winit.normal((16, 8), rng=1, device="cuda", out=p.detach())
    assert same_bits(p.detach().cpu().numpy(), winit.normal((16, 8), rng=1))


def test_out_misaligned_view_and_region():
    """A view at an odd element offset (the kernels' element-wise store path) and a
    region of a bigger tensor written into a slice of a torch buffer."""
    torch = _torch_cuda()
    buf = torch.zeros(1 + 4099, dtype=torch.float32, device="cuda")
    winit.normal((4099,), rng=6, device="cuda", out=buf[1:])
    assert same_bits(buf[1:].cpu().numpy(), winit.normal((4099,), rng=6))
    assert buf[0].item() == 0.0
    full, reg = (64, 50), (slice(3, 61), slice(7, 45))
    out = torch.empty((58, 38), device="cuda", dtype=torch.float64)
    winit.uniform(full, dtype="float64", rng=6, region=reg, device="cuda", out=out)
    assert same_bits(out.cpu().numpy(), winit.uniform(full, dtype="float64", rng=6, region=reg))


def test_out_validation_on_gpu():
    torch = _torch_cuda()
    t = torch.empty((8, 8), device="cuda")
    with pytest.raises(ValueError, match="contiguous"):
        winit.normal((8, 8), device="cuda", out=t.T)
    with pytest.raises(ValueError, match="shape"):
        winit.normal((8, 9), device="cuda", out=t)
    with pytest.raises(ValueError, match="dtype"):
        winit.normal((8, 8), dtype="float64", device="cuda", out=t)


def test_out_into_cupy_array():
    cupy = pytest.importorskip("cupy")
    a = cupy.empty((300, 301), dtype=cupy.float32)
    winit.truncated_normal((300, 301), std=0.2, rng=12, device="cuda", out=a)
    assert same_bits(cupy.asnumpy(a), winit.truncated_normal((300, 301), std=0.2, rng=12))


def test_zero_copy_handover_to_torch():
    torch = _torch_cuda()
    x = winit.normal((128, 64), rng=1, device="cuda")
    t = torch.as_tensor(x, device="cuda")
    assert t.data_ptr() == int(x.gpudata) and t.shape == (128, 64)
    assert same_bits(t.cpu().numpy(), winit.normal((128, 64), rng=1))
    b = winit.normal((16,), dtype="bfloat16", rng=1, device="cuda")
    tb = torch.as_tensor(b.view(np.uint16), device="cuda").view(torch.bfloat16)
    assert same_bits(tb.view(torch.int16).cpu().numpy(), host(b).view(np.int16))


def test_zero_size_and_scalar():
    assert host(winit.normal((0, 5), rng=1, device="cuda")).shape == (0, 5)
    s = winit.uniform((), rng=1, device="cuda")
    assert same_bits(host(s), winit.uniform((), rng=1))


# ------------------------------------------------------------------ contexts

def _cu_current_context() -> int:
    import ctypes
    c = ctypes.c_void_p()
    assert _cuda._driver._libcuda().cuCtxGetCurrent(ctypes.byref(c)) == 0
    return c.value or 0


def test_coexists_with_torch_in_one_process():
    torch = _torch_cuda()
    a = torch.randn(1000, device="cuda")
    before = _cu_current_context()
    x = winit.normal((1000,), rng=2, device="cuda")
    assert _cu_current_context() == before  # pushed and popped
    with GPU.active():
        assert _cu_current_context() == int(GPU.ctx.handle) == before  # one primary context
    y = torch.as_tensor(x, device="cuda") + a  # torch uses winit's memory and its own
    assert torch.isfinite(y).all().item()
    assert "pycuda.autoinit" not in sys.modules


def test_winit_first_then_torch_subprocess():
    pytest.importorskip("torch")
    code = ("import winit, numpy as np\n"
            "x = winit.uniform((1000,), rng=3, device='cuda')\n"
            "import torch\n"
            "t = torch.as_tensor(x, device='cuda') * 2\n"
            "z = torch.zeros(10, device='cuda')\n"
            "assert np.array_equal(t.cpu().numpy(), 2 * winit.uniform((1000,), rng=3))\n"
            "y = winit.normal((10,), rng=3, device='cuda', out=z)\n"
            "import sys; assert 'pycuda.autoinit' not in sys.modules; print('ok')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if "torch has no CUDA" in r.stderr:
        pytest.skip("torch has no CUDA")
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr[-3000:]


def test_missing_device_index():
    with pytest.raises(winit.CudaUnavailableError, match="does not exist"):
        winit.normal((2,), device="cuda:999")


# ------------------------------------------------------------------ structured helpers

@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64", "complex64",
                                   "complex128"])
def test_fill_constant_and_scatter(dtype):
    dt = np.dtype(ml_dtypes.bfloat16) if dtype == "bfloat16" else np.dtype(dtype)
    a = GPU.empty((37, 11), dt)
    value = (1.5 - 2j) if dt.kind == "c" else 1.5
    _cuda.fill_constant(a, value)
    want = np.full((37, 11), value, dt)
    assert same_bits(host(a), want)
    idx = np.array([0, 5, 406, 123], np.int64)
    _cuda.scatter(a, idx, 0)
    want.reshape(-1)[idx] = 0
    assert same_bits(host(a), want)
    with pytest.raises(ValueError, match="range"):
        _cuda.scatter(a, [37 * 11], 0)


def test_upload_and_qr():
    rng = np.random.default_rng(0)
    m = rng.standard_normal((200, 50))
    a = _cuda.to_device(m)
    q, r, backend = _cuda.qr(a)
    assert backend in ("torch", "cupy", "host")
    qh, rh = host(q), host(r)
    np.testing.assert_allclose(qh @ rh, m, atol=1e-10)
    np.testing.assert_allclose(qh.T @ qh, np.eye(50), atol=1e-10)


# ------------------------------------------------------------------ throughput

def _time(fn, reps=5) -> float:
    fn()
    sync()
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    sync()
    return (time.perf_counter() - t0) / reps


@pytest.mark.slow  # reads the clock: a figure for the notes, not a default check
def test_throughput_vs_hbm_and_torch(capsys):
    """256M float32 elements (1 GiB): winit uniform/normal against the device's write
    bandwidth (cuMemsetD32 over the same bytes) and torch.randn / torch.rand. Target:
    >= 80% of the write bandwidth for uniform and normal float32."""
    n = 256 << 20
    try:
        out = GPU.empty((n,), np.dtype(np.float32))
    except Exception as e:  # not enough memory
        pytest.skip(f"cannot allocate 1 GiB: {e}")
    ptr = int(out.gpudata)

    def memset():
        with GPU.active():
            GPU.drv.memset_d32(ptr, 0, n)

    t_mem = _time(memset)
    rows = {"memset (HBM write)": t_mem}
    for name, f in [("winit.uniform f32", winit.uniform), ("winit.normal f32", winit.normal)]:
        rows[name] = _time(lambda: f((n,), rng=1, device="cuda", out=out))
    rows["winit.truncated_normal f32"] = _time(
        lambda: winit.truncated_normal((n,), rng=1, device="cuda", out=out))
    try:
        torch = _torch_cuda()
        tt = torch.empty(n, device="cuda")
        rows["torch.rand f32"] = _time(lambda: torch.rand(n, device="cuda", out=tt))  # noqa: F821
        rows["torch.randn f32"] = _time(lambda: torch.randn(n, device="cuda", out=tt))  # noqa: F821
        del tt
    except pytest.skip.Exception:
        pass
    with capsys.disabled():
        print(f"\n{GPU.name} ({GPU.kernels_from}), {n} float32 elements:")
        for k, t in rows.items():
            print(f"  {k:28s} {t * 1e3:8.3f} ms  {4 * n / t / 1e9:8.1f} GB/s  "
                  f"{t_mem / t:6.1%} of memset")
    for k in ("winit.uniform f32", "winit.normal f32"):
        assert rows[k] <= t_mem / 0.8, f"{k}: {t_mem / rows[k]:.1%} of the write bandwidth"
