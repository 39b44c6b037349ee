"""compute_fans (Keras/Flax default layout, torch layout, JAX axis arguments) and
calculate_gain (torch's table)."""
import math

import pytest

import winit


@pytest.mark.parametrize("shape, kw, fans", [
    ((), {}, (1, 1)),                                   # Keras: scalars
    ((7,), {}, (7, 7)),                                 # Keras: vectors
    ((3, 5), {}, (3, 5)),                               # Dense kernel (in, out)
    ((3, 3, 16, 32), {}, (144, 288)),                   # Conv2D kernel (kh, kw, in, out)
    ((2, 3, 4, 5, 6), {}, (24 * 5, 24 * 6)),            # Conv3D
    ((5, 3), {"layout": "torch"}, (3, 5)),              # torch Linear weight (out, in)
    ((32, 16, 3, 3), {"layout": "torch"}, (144, 288)),  # torch Conv2d weight
    ((32, 16, 3, 3), {"layout": "keras"}, (3 * 512, 3 * 512)),  # "keras" = the default
    ((4, 3, 5), {"batch_axis": 0}, (3, 5)),             # JAX batch axis counts in neither
    ((4, 3, 5), {"in_axis": 0, "out_axis": (1, 2)}, (4, 15)),
    ((2, 3, 5, 7), {"in_axis": (0, 1), "out_axis": -1, "batch_axis": 2}, (6, 7)),
    ((3, 5), {"layout": "torch", "in_axis": 0, "out_axis": 1}, (3, 5)),  # explicit axes win
    ((0, 5), {}, (0, 5)),
])
def test_compute_fans(shape, kw, fans):
    assert winit.compute_fans(shape, **kw) == fans


def test_layouts_agree_on_the_same_layer():
    """A torch Conv2d weight and the Keras kernel of the same layer have the same fans."""
    keras_kernel = (3, 5, 16, 32)          # (kh, kw, in, out)
    torch_weight = (32, 16, 3, 5)          # (out, in, kh, kw)
    assert winit.compute_fans(keras_kernel) == winit.compute_fans(torch_weight, layout="torch")


@pytest.mark.parametrize("kw, exc, match", [
    ({"in_axis": 2}, ValueError, r"`in_axis`=2 is out of range"),
    ({"out_axis": -3}, ValueError, r"`out_axis`"),
    ({"in_axis": 1, "out_axis": 1}, ValueError, r"different axes"),
    ({"batch_axis": (0, 0)}, ValueError, r"repeats"),
    ({"in_axis": 1.0}, TypeError, r"`in_axis`.*Received: in_axis=1.0"),
    ({"batch_axis": "0"}, TypeError, r"`batch_axis`"),
    ({"layout": "jax"}, ValueError, r"`layout`.*'torch'.*Received: layout='jax'"),
])
def test_compute_fans_errors(kw, exc, match):
    with pytest.raises(exc, match=match):
        winit.compute_fans((3, 5), **kw)


def test_compute_fans_checks_shape():
    with pytest.raises(ValueError, match=r"`shape`"):
        winit.compute_fans((3, -1))
    with pytest.raises(ValueError, match="layout"):
        winit.compute_fans((3, 4), layout=1)


@pytest.mark.parametrize("name, param, gain", [
    ("linear", None, 1.0), ("conv2d", None, 1.0), ("conv_transpose3d", None, 1.0),
    ("sigmoid", None, 1.0), ("tanh", None, 5 / 3), ("relu", None, math.sqrt(2)),
    ("leaky_relu", None, math.sqrt(2 / (1 + 0.01 ** 2))),
    ("leaky_relu", 0.2, math.sqrt(2 / 1.04)), ("leaky_relu", 0, math.sqrt(2)),
    ("selu", None, 0.75), ("identity", None, 1.0),
])
def test_calculate_gain(name, param, gain):
    assert winit.calculate_gain(name, param) == pytest.approx(gain, rel=1e-15)


def test_calculate_gain_matches_torch():
    torch = pytest.importorskip("torch")
    for name in ("linear", "conv1d", "sigmoid", "tanh", "relu", "selu"):
        assert winit.calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name))
    for p in (None, 0.0, 0.1, 3):
        assert winit.calculate_gain("leaky_relu", p) == pytest.approx(
            torch.nn.init.calculate_gain("leaky_relu", p))


@pytest.mark.parametrize("args, exc, match", [
    (("gelu",), ValueError, r"`nonlinearity` must be one of .*'relu'.*Received: nonlinearity='gelu'"),
    ((None,), ValueError, r"`nonlinearity`"),
    (("leaky_relu", "0.1"), TypeError, r"`param`"),
    (("leaky_relu", float("nan")), ValueError, r"`param`"),
    (("relu", 0.1), ValueError, r"`param` is only used by nonlinearity='leaky_relu'"),
])
def test_calculate_gain_errors(args, exc, match):
    with pytest.raises(exc, match=match):
        winit.calculate_gain(*args)
