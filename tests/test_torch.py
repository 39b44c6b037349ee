"""winit.torch's in-place functions against torch.nn.init itself (issue 16).

For every random function, shape (2-D, conv 3-D/4-D/5-D, a transposed view, a slice of a
larger parameter) and dtype (float32, float64, float16, bfloat16): the same support as
torch and the same distribution (two-sample KS against torch's own samples, fixed seeds,
alpha = 1e-6), filled in place (same data_ptr, the rest of the parameter untouched), with
the bits of winit's functional call in torch's layout. Exact for eye_, dirac_,
zeros_/ones_/constant_; exact zero counts for sparse_. Then generators (torch.manual_seed
reproducibility, the frozen seed rule), nn.Parameter, autograd's version counter,
errors, and CUDA (skipped without a GPU)."""
import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
stats = pytest.importorskip("scipy.stats")
import ml_dtypes
from torch import nn

import winit
import winit.torch as wt

ALPHA = 1e-6
DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16]
EPS = {torch.float32: 2.0 ** -23, torch.float64: 2.0 ** -52, torch.float16: 2.0 ** -10,
       torch.bfloat16: 2.0 ** -7}


def make(layout: str, dtype) -> tuple:
    """(tensor to fill, the storage it lives in or None, its shape)."""
    if layout == "2d":
        t = torch.empty(256, 384, dtype=dtype)
        return t, None
    if layout == "conv1d":
        return torch.empty(64, 32, 5, dtype=dtype), None
    if layout == "conv2d":
        return torch.empty(32, 16, 3, 3, dtype=dtype), None
    if layout == "conv3d":
        return torch.empty(16, 8, 3, 3, 3, dtype=dtype), None
    if layout == "transposed":  # a (256, 384) view of a (384, 256) tensor
        base = torch.full((384, 256), 7.0, dtype=dtype)
        return base.T, base
    if layout == "slice":  # a (256, 384) block of a larger parameter
        base = torch.full((300, 400), 7.0, dtype=dtype)
        return base[20:276, 8:392], base
    raise ValueError(layout)


def untouched(layout, base, before):
    """Outside the view, the parameter holds what it held."""
    mask = torch.ones(base.shape, dtype=torch.bool)
    mask[(slice(20, 276), slice(8, 392)) if layout == "slice" else slice(None)] = False
    assert torch.equal(base[mask], before[mask])


LAYOUTS = ["2d", "conv1d", "conv2d", "conv3d", "transposed", "slice"]

# name -> (winit.torch call, torch.nn.init call, bounds(tensor) or None); both calls take
# (tensor, generator)
S5 = math.sqrt(5.0)


def _fans(t):
    return winit.compute_fans(tuple(t.shape), layout="torch")


RANDOM = {
    "uniform_": (lambda t, g: wt.uniform_(t, -0.3, 0.7, generator=g),
                 lambda t, g: nn.init.uniform_(t, -0.3, 0.7, generator=g),
                 lambda t: (-0.3, 0.7)),
    "normal_": (lambda t, g: wt.normal_(t, 0.1, 0.5, generator=g),
                lambda t, g: nn.init.normal_(t, 0.1, 0.5, generator=g), None),
    "trunc_normal_": (lambda t, g: wt.trunc_normal_(t, 0.2, 0.5, -0.5, 0.6, generator=g),
                      lambda t, g: nn.init.trunc_normal_(t, 0.2, 0.5, -0.5, 0.6, generator=g),
                      lambda t: (-0.5, 0.6)),
    "xavier_uniform_": (lambda t, g: wt.xavier_uniform_(t, gain=1.3, generator=g),
                        lambda t, g: nn.init.xavier_uniform_(t, gain=1.3, generator=g),
                        lambda t: (-1.3 * math.sqrt(6 / sum(_fans(t))),
                                   1.3 * math.sqrt(6 / sum(_fans(t))))),
    "xavier_normal_": (lambda t, g: wt.xavier_normal_(t, gain=0.8, generator=g),
                       lambda t, g: nn.init.xavier_normal_(t, gain=0.8, generator=g), None),
    "kaiming_uniform_": (lambda t, g: wt.kaiming_uniform_(t, a=S5, generator=g),
                         lambda t, g: nn.init.kaiming_uniform_(t, a=S5, generator=g),
                         lambda t: (-1 / math.sqrt(_fans(t)[0]), 1 / math.sqrt(_fans(t)[0]))),
    "kaiming_normal_": (
        lambda t, g: wt.kaiming_normal_(t, mode="fan_out", nonlinearity="relu", generator=g),
        lambda t, g: nn.init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu",
                                             generator=g), None),
    "orthogonal_": (lambda t, g: wt.orthogonal_(t, gain=1.5, generator=g),
                    lambda t, g: _torch_orthogonal(t, 1.5, g), None),
    "sparse_": (lambda t, g: wt.sparse_(t, 0.3, std=0.05, generator=g),
                lambda t, g: nn.init.sparse_(t, 0.3, std=0.05, generator=g), None),
}


def _torch_orthogonal(t, gain, g):
    """torch's orthogonal_ (its QR has no float16/bfloat16 kernel on the CPU: float32,
    then rounded, as a user would do)."""
    if t.dtype in (torch.float16, torch.bfloat16):
        return t.copy_(nn.init.orthogonal_(torch.empty(t.shape), gain=gain, generator=g))
    return nn.init.orthogonal_(t, gain=gain, generator=g)


def values(t) -> np.ndarray:
    return t.detach().to(torch.float64).reshape(-1).numpy()


def bits(t):
    t = t.detach()
    return t.view({2: torch.int16, 4: torch.int32, 8: torch.int64}[t.element_size()])


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: str(d)[6:])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", list(RANDOM))
def test_random_function_matches_torch(name, layout, dtype):
    ours, theirs, bounds = RANDOM[name]
    if name == "sparse_" and layout.startswith("conv"):
        pytest.skip("sparse_ is 2-D only (as torch)")
    t, base = make(layout, dtype)
    ptr, before = t.data_ptr(), None if base is None else base.clone()
    assert ours(t, 1234) is t
    assert t.data_ptr() == ptr
    if base is not None:
        untouched(layout, base, before)
    r = theirs(torch.empty(t.shape, dtype=dtype), torch.Generator().manual_seed(1234))
    w, ref = values(t), values(r)
    assert np.isfinite(w).all()
    p = stats.ks_2samp(w, ref).pvalue
    assert p > ALPHA, f"KS against torch's {name}: p = {p:.3g}"
    if bounds is not None:  # the same support (the bound rounded to the dtype)
        lo, hi = bounds(t)
        slack = 2 * EPS[dtype] * max(abs(lo), abs(hi))
        assert lo - slack <= w.min() and w.max() <= hi + slack
        assert lo - slack <= ref.min() and ref.max() <= hi + slack
    if name == "sparse_":  # exactly ceil(sparsity * rows) zeros in every column, as torch
        k = math.ceil(0.3 * t.shape[0])
        assert ((t == 0).sum(0) == k).all() and ((r == 0).sum(0) == k).all()
    if name == "orthogonal_":
        m = t.detach().to(torch.float64).reshape(t.shape[0], -1)
        gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
        tol = {torch.float64: 1e-12, torch.float32: 1e-5}.get(dtype, 0.05)
        assert torch.allclose(gram, 2.25 * torch.eye(gram.shape[0], dtype=torch.float64),
                              atol=tol * 2.25)


SCHEMES = {  # winit.torch call -> the functional call it must equal bit for bit
    "uniform_": (lambda t: wt.uniform_(t, -1, 2, generator=5),
                 lambda s, dt: winit.uniform(s, -1, 2, rng=5, dtype=dt)),
    "trunc_normal_": (lambda t: wt.trunc_normal_(t, 0, 0.02, -0.04, 0.03, generator=5),
                      lambda s, dt: winit.truncated_normal(s, 0, 0.02, -0.04, 0.03, rng=5,
                                                           dtype=dt)),
    "xavier_uniform_": (lambda t: wt.xavier_uniform_(t, generator=5),
                        lambda s, dt: winit.glorot_uniform(s, rng=5, dtype=dt, layout="torch")),
    "kaiming_normal_": (lambda t: wt.kaiming_normal_(t, generator=5),
                        lambda s, dt: winit.kaiming_normal(s, rng=5, dtype=dt, layout="torch",
                                                           gain=math.sqrt(2.0))),
    "orthogonal_": (lambda t: wt.orthogonal_(t, generator=5),
                    lambda s, dt: winit.orthogonal(s, rng=5, dtype=dt, layout="torch")),
    "sparse_": (lambda t: wt.sparse_(t, 0.25, generator=5),
                lambda s, dt: winit.sparse_init(s, sparsity=0.25, rng=5, dtype=dt,
                                                layout="torch")),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: str(d)[6:])
@pytest.mark.parametrize("name", list(SCHEMES))
@pytest.mark.parametrize("layout", ["2d", "transposed", "slice"])
def test_bits_are_the_functional_api_in_torch_layout(name, dtype, layout):
    """The tensor holds exactly winit.<scheme>(shape, rng=seed, layout="torch") -- also
    a non-contiguous view (the same bits as a contiguous call)."""
    ours, functional = SCHEMES[name]
    t, _ = make(layout, dtype)
    ours(t)
    np_dt = ml_dtypes.bfloat16 if dtype == torch.bfloat16 else str(dtype)[6:]
    ref = functional(tuple(t.shape), np_dt)
    got = t.contiguous()
    if dtype == torch.bfloat16:
        got = got.view(torch.int16).numpy().view(ml_dtypes.bfloat16)
    else:
        got = got.numpy()
    assert got.dtype == ref.dtype and got.tobytes() == ref.tobytes()


def test_linear_weight_gets_torch_fans():
    """The issue's example: a Linear(128, 64) weight (64, 128) has kaiming bound 1/sqrt(128)
    = 0.0884 and xavier bound sqrt(6/192) = 0.1768 (Keras fans would give 0.306 ...)."""
    w = nn.Linear(128, 64).weight
    wt.xavier_uniform_(w, generator=0)
    assert 0.17 < float(w.abs().max()) <= math.sqrt(6 / 192)
    wt.kaiming_uniform_(w, a=S5, generator=0)
    assert 0.087 < float(w.abs().max()) <= 1 / math.sqrt(128)


# ------------------------------------------------------------------ exact functions

EXACT_DTYPES = DTYPES + [torch.int32, torch.int64]


@pytest.mark.parametrize("dtype", EXACT_DTYPES, ids=lambda d: str(d)[6:])
@pytest.mark.parametrize("shape", [(5, 7), (7, 5), (6, 6), (0, 3)])
def test_eye_is_torch_eye(shape, dtype):
    t = torch.full(shape, 9, dtype=dtype)
    assert wt.eye_(t) is t
    assert torch.equal(t, nn.init.eye_(torch.empty(shape, dtype=dtype)))


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.int64],
                         ids=lambda d: str(d)[6:])
def test_eye_and_dirac_of_non_contiguous_views(dtype):
    v = torch.full((7, 5), 9, dtype=dtype).T
    assert torch.equal(wt.eye_(v), torch.eye(5, 7, dtype=dtype))
    shape = (8, 3, 3, 3)
    v = torch.full(shape[::-1], 9, dtype=dtype).permute(3, 2, 1, 0)
    assert torch.equal(wt.dirac_(v, 2), nn.init.dirac_(torch.empty(shape, dtype=dtype), 2))


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float16, torch.int64],
                         ids=lambda d: str(d)[6:])
@pytest.mark.parametrize("shape,groups", [((4, 4, 3), 1), ((6, 2, 5), 3), ((8, 3, 3, 3), 2),
                                          ((6, 9, 4, 5), 1), ((4, 2, 3, 2, 5), 2),
                                          ((12, 2, 2, 2, 2), 4)])
def test_dirac_is_torch_dirac(shape, groups, dtype):
    t = torch.full(shape, 9, dtype=dtype)
    assert wt.dirac_(t, groups) is t
    assert torch.equal(t, nn.init.dirac_(torch.empty(shape, dtype=dtype), groups))


@pytest.mark.parametrize("dtype", EXACT_DTYPES + [torch.bool, torch.complex64],
                         ids=lambda d: str(d)[6:])
@pytest.mark.parametrize("layout", ["2d", "conv3d", "transposed", "slice"])
def test_zeros_ones_constant_are_torch(layout, dtype):
    if dtype in (torch.bool, torch.complex64) and layout != "2d":
        pytest.skip("one layout is enough")
    t, base = make(layout, dtype)
    before = None if base is None else base.clone()
    val = 1 if dtype == torch.bool else 3 if not (dtype.is_floating_point or dtype.is_complex) \
        else 0.375
    for ours, theirs in ((wt.zeros_, nn.init.zeros_), (wt.ones_, nn.init.ones_),
                         (lambda x: wt.constant_(x, val), lambda x: nn.init.constant_(x, val))):
        ptr = t.data_ptr()
        assert ours(t) is t and t.data_ptr() == ptr
        assert torch.equal(t, theirs(torch.empty(t.shape, dtype=dtype)))
    if base is not None:
        untouched(layout, base, before)
    assert wt.constant_(t, torch.tensor(val)) is t and (t == val).all()


def test_constant_fills_only_the_view():
    base = torch.full((10, 10), 7.0)
    wt.constant_(base[2:5, 3:8], 0.5)
    expect = torch.full((10, 10), 7.0)
    expect[2:5, 3:8] = 0.5
    assert torch.equal(base, expect)


@pytest.mark.parametrize("sparsity,rows", [(0.7, 10), (0.1, 30), (0.29, 100), (0.0, 5),
                                           (1.0, 7), (0.5, 1), (0.33, 3)])
def test_sparse_zero_counts_are_torch_exactly(sparsity, rows):
    """torch zeros math.ceil(sparsity * rows) per column (0.7 * 10 -> 8); so does
    winit.torch.sparse_ (winit.sparse_init alone would read 0.7 * 10 as 7)."""
    cols = 13
    t = wt.sparse_(torch.empty(rows, cols), sparsity, std=1.0, generator=3)
    r = nn.init.sparse_(torch.empty(rows, cols), sparsity, std=1.0,
                        generator=torch.Generator().manual_seed(3))
    k = math.ceil(sparsity * rows)
    assert ((t == 0).sum(0) == k).all()
    assert torch.equal((t == 0).sum(0), (r == 0).sum(0))


# ------------------------------------------------------------------ generators

def test_manual_seed_makes_a_script_reproducible():
    def script():
        m = nn.Linear(64, 32)
        wt.xavier_uniform_(m.weight)
        wt.normal_(m.bias, std=0.1)
        return m.weight.detach().clone(), m.bias.detach().clone()

    torch.manual_seed(0)
    a = script()
    torch.manual_seed(0)
    b = script()
    torch.manual_seed(1)
    c = script()
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], c[0])


def test_generator_none_is_one_draw_from_torchs_default_generator():
    """The frozen rule: seed = int(torch.empty((), dtype=torch.int64).random_()) from the
    default generator, then winit.Generator(seed)'s stream 0; torch's generator advances
    by exactly that draw."""
    torch.manual_seed(7)
    t = wt.kaiming_normal_(torch.empty(16, 8))
    after = torch.rand(4)
    torch.manual_seed(7)
    seed = int(torch.empty((), dtype=torch.int64).random_())
    assert torch.equal(torch.rand(4), after)
    assert torch.equal(t, wt.kaiming_normal_(torch.empty(16, 8), generator=seed))
    assert torch.equal(t, wt.kaiming_normal_(torch.empty(16, 8),
                                             generator=winit.Generator(seed)))


def test_torch_generator_is_drawn_from_and_advances():
    g = torch.Generator().manual_seed(5)
    a = wt.normal_(torch.empty(100), generator=g)
    b = wt.normal_(torch.empty(100), generator=g)
    assert not torch.equal(a, b)
    h = torch.Generator().manual_seed(5)
    seed = int(torch.empty((), dtype=torch.int64).random_(generator=h))
    assert torch.equal(a, wt.normal_(torch.empty(100), generator=seed))
    assert torch.equal(b, wt.normal_(torch.empty(100), generator=h))
    assert torch.equal(g.get_state(), h.get_state())


def test_int_seed_and_winit_generator_streams():
    a = wt.uniform_(torch.empty(50), generator=3)
    assert torch.equal(a, wt.uniform_(torch.empty(50), generator=3))
    g = winit.Generator(3)
    x, y = wt.uniform_(torch.empty(50), generator=g), wt.uniform_(torch.empty(50), generator=g)
    assert torch.equal(x, a) and not torch.equal(x, y)
    assert g.position == 2
    assert torch.equal(y, torch.from_numpy(winit.uniform((50,), rng=winit.Generator(3).at_stream(1))))


def test_bits_do_not_depend_on_the_thread_count():
    before = winit.get_num_threads()
    try:
        out = []
        for n in (1, 2):
            winit.set_num_threads(n)
            t = torch.empty(1024, 1024)
            out.append(wt.trunc_normal_(t, std=0.02, generator=9).contiguous())
        assert torch.equal(bits(out[0]), bits(out[1]))
    finally:
        winit.set_num_threads(before)


@pytest.mark.parametrize("bad,exc", [("x", TypeError), (1.5, TypeError), (True, TypeError),
                                     (-1, ValueError), (np.random.default_rng(0), TypeError)])
def test_bad_generator(bad, exc):
    with pytest.raises(exc, match="generator"):
        wt.normal_(torch.empty(3), generator=bad)


# ------------------------------------------------------------------ parameters, autograd

def test_parameter_requires_grad_in_place_outside_no_grad():
    p = nn.Parameter(torch.empty(32, 16))
    v = p._version
    assert wt.kaiming_uniform_(p, generator=1) is p
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    assert p._version > v
    (p * 2).sum().backward()
    assert torch.equal(p.grad, torch.full((32, 16), 2.0))


def test_a_saved_tensor_overwritten_is_caught_by_autograd():
    """The write goes through numpy, so winit counts it in the version counter as an
    in-place torch op would; autograd then refuses the stale saved tensor."""
    x = torch.ones(3, requires_grad=True)
    w = torch.ones(3)
    y = (x * w).sum()
    wt.normal_(w, generator=1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_no_float64_detour_and_no_copy():
    """bfloat16 and float16 are generated directly into the tensor's memory."""
    for dt in (torch.bfloat16, torch.float16):
        t = torch.empty(128, 64, dtype=dt)
        ptr = t.data_ptr()
        wt.xavier_normal_(t, generator=2)
        assert t.data_ptr() == ptr and t.dtype == dt


def test_calculate_gain_is_torchs():
    for nl in ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
               "conv_transpose3d", "sigmoid", "tanh", "relu", "selu"]:
        assert wt.calculate_gain(nl) == pytest.approx(nn.init.calculate_gain(nl))
        assert wt.calculate_gain(nl, 0.3) == pytest.approx(nn.init.calculate_gain(nl, 0.3))
    for p in (None, 0.0, 0.2, 3):
        assert wt.calculate_gain("leaky_relu", p) == pytest.approx(
            nn.init.calculate_gain("leaky_relu", p))
    with pytest.raises(ValueError, match="nonlinearity"):
        wt.calculate_gain("gelu")


def test_kaiming_zero_element_warns_as_torch():
    with pytest.warns(UserWarning, match="zero-element"):
        wt.kaiming_uniform_(torch.empty(0, 4), generator=1)


def test_init_any_winit_initializer():
    w = wt.init_(torch.empty(64, 128), winit.lecun_normal(), generator=4)
    assert torch.equal(w, torch.from_numpy(winit.lecun_normal((64, 128), rng=4, layout="torch")))
    # a bound layout is respected; bound dtype and rng are not used
    k = wt.init_(torch.empty(64, 128, dtype=torch.float64),
                 winit.glorot_uniform(layout="keras", rng=99), generator=4)
    assert torch.equal(k, torch.from_numpy(winit.glorot_uniform((64, 128), rng=4,
                                                                dtype="float64")))
    with pytest.raises(TypeError, match="winit.Initializer"):
        wt.init_(torch.empty(3), winit.normal)


# ------------------------------------------------------------------ errors

ERRORS = [
    (lambda: wt.normal_(torch.empty(3, device="meta")), ValueError, "meta device"),
    (lambda: wt.xavier_uniform_(torch.empty(4, 4, device="meta")), ValueError, "to_empty"),
    (lambda: wt.normal_(torch.empty(3, dtype=torch.int32)), TypeError, "float32"),
    (lambda: wt.kaiming_uniform_(torch.empty(3, 3, dtype=torch.int64)), TypeError, "int64"),
    (lambda: wt.uniform_(torch.empty(3, dtype=torch.complex64)), TypeError, "complex64"),
    (lambda: wt.normal_(np.empty(3)), TypeError, "torch.Tensor"),
    (lambda: wt.xavier_uniform_(torch.empty(5)), ValueError, "fewer than 2 dimensions"),
    (lambda: wt.kaiming_normal_(torch.empty(5)), ValueError, "fewer than 2 dimensions"),
    (lambda: wt.kaiming_normal_(torch.empty(5, 5), mode="fan_avg"), ValueError, "Mode"),
    (lambda: wt.kaiming_normal_(torch.empty(5, 5), nonlinearity="gelu"), ValueError,
     "nonlinearity"),
    (lambda: wt.eye_(torch.empty(2, 2, 2)), ValueError, "2 dimensions"),
    (lambda: wt.dirac_(torch.empty(2, 2)), ValueError, "3, 4, or 5"),
    (lambda: wt.dirac_(torch.empty(5, 2, 3), groups=2), ValueError, "divisible by groups"),
    (lambda: wt.orthogonal_(torch.empty(5)), ValueError, ">= 2"),
    (lambda: wt.sparse_(torch.empty(5, 5, 5), 0.1), ValueError, "2 dimensions"),
    (lambda: wt.sparse_(torch.empty(5, 5), 1.5), ValueError, "sparsity"),
    (lambda: wt.uniform_(torch.empty(3), 2.0, 1.0), ValueError, "`a` must be <= `b`"),
    (lambda: wt.trunc_normal_(torch.empty(3), a=1.0, b=1.0), ValueError, "`a` must be < `b`"),
    (lambda: wt.normal_(torch.empty(3), std=-1.0), ValueError, "normal_.*std"),
    (lambda: wt.normal_(torch.empty(3), std=-1.0, generator=1), ValueError, "normal_.*std"),
    (lambda: wt.init_(torch.empty(3, 3), winit.dirac(), generator=1), ValueError,
     "init_.*rank"),
    (lambda: wt.normal_(torch.zeros(3).expand(4, 3)), ValueError, "single memory location"),
    (lambda: wt.constant_(torch.empty(3, dtype=torch.int32), 0.5), ValueError, "representable"),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_and_no_draw_from_torchs_generator(i):
    """A clear error, before anything is written or drawn: torch's default generator is
    where it was."""
    call, exc, match = ERRORS[i]
    torch.manual_seed(11)
    with pytest.raises(exc, match=match):
        call()
    after = torch.rand(3)
    torch.manual_seed(11)
    assert torch.equal(after, torch.rand(3))


def test_import_winit_does_not_import_torch():
    code = "import sys, winit; assert 'torch' not in sys.modules, 'torch imported'"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


# ------------------------------------------------------------------ CUDA

def _cuda_ok() -> bool:
    if not torch.cuda.is_available():
        return False
    return bool(winit.config()["cuda"]["available"])


@pytest.mark.gpu
@pytest.mark.skipif(not _cuda_ok(), reason="needs a CUDA GPU with torch CUDA and PyCUDA")
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: str(d)[6:])
@pytest.mark.parametrize("name", ["uniform_", "normal_", "trunc_normal_", "xavier_uniform_",
                                  "kaiming_normal_", "orthogonal_", "sparse_"])
def test_cuda_tensor_gets_the_cpu_bits(name, dtype):
    ours = RANDOM[name][0]
    g = torch.empty(256, 384, dtype=dtype, device="cuda")
    ptr = g.data_ptr()
    ours(g, 77)
    torch.cuda.synchronize()
    assert g.data_ptr() == ptr
    c = ours(torch.empty(256, 384, dtype=dtype), 77)
    assert torch.equal(bits(g.cpu()), bits(c))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        torch.manual_seed(3)
        a = wt.normal_(torch.empty(64, dtype=dtype, device="cuda"))
        torch.manual_seed(3)
        assert torch.equal(bits(a.cpu()), bits(wt.normal_(torch.empty(64, dtype=dtype))))
