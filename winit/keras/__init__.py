"""winit.keras: every winit scheme as a registered Keras 3 initializer.

    import keras
    import winit.keras

    layer = keras.layers.Dense(64, kernel_initializer=winit.keras.SparseInit(sparsity=0.3))
    layer = keras.layers.Dense(64, kernel_initializer="winit>GlorotUniform")

The import rule: ``import winit.keras`` registers the classes with Keras
(``register_keras_serializable(package="winit")``). It must run before
``keras.models.load_model`` of a model that uses them: Keras 3 has no plugin entry
points and imports no third-party module while loading. ``import winit`` alone does
not import Keras (it would cost seconds), so it does not register them.

Seeds (as Keras' own initializers): ``seed=None`` draws an int from Python's
``random`` at construction and stores ``null`` in the config; an int ``S`` gives
``winit.<scheme>(shape, rng=S)`` on every call; a ``keras.random.SeedGenerator``
with state ``[s, k]`` gives the stream ``k`` of ``winit.Generator(s)`` and advances
(inside ``jax.jit`` too, as Keras' ModelParallel initializes large variables).

In Keras' layers: the variance-scaling family (``VarianceScaling``, ``Glorot*``,
``Kaiming*``/``He*``, ``Lecun*``) are ``keras.initializers.VarianceScaling`` subclasses,
so ``EinsumDense``/``MultiHeadAttention`` give them their kernels' input/output axes.
See docs/keras.md.
"""
from __future__ import annotations

try:
    import keras as _keras
except (ImportError, ValueError) as e:  # ValueError: Keras' "Unable to import backend"
    # Say which: Keras missing, or configured (KERAS_BACKEND, keras.json, or its tensorflow
    # default) for a backend that is not installed, or something else.
    from .._config import keras_backend as _keras_backend
    _info = _keras_backend()
    if _info["keras"] is None:
        raise ImportError("winit.keras needs Keras 3 and a backend (jax, torch or tensorflow): "
                          "pip install 'winit[keras]' (Keras + jax)") from e
    raise ImportError(f"winit.keras cannot import Keras: {_info['problem']}" if _info["problem"]
                      else f"winit.keras cannot import Keras: {type(e).__name__}: {e}") from e

if int(_keras.__version__.split(".")[0]) < 3:  # pragma: no cover
    raise ImportError(f"winit.keras needs Keras 3; found keras {_keras.__version__}")

from typing import TYPE_CHECKING

from ._initializers import (ALIAS_CLASSES, CLASSES, WinitInitializer, seed_to_generator,
                            to_tensor)

globals().update(CLASSES)
globals().update(ALIAS_CLASSES)

if TYPE_CHECKING:  # the classes made from the registry above, named for type checkers
    # (tests/test_lint.py checks this list against CLASSES and ALIAS_CLASSES)
    Zeros: type[WinitInitializer]
    Ones: type[WinitInitializer]
    Constant: type[WinitInitializer]
    RandomUniform: type[WinitInitializer]
    RandomNormal: type[WinitInitializer]
    TruncatedNormal: type[WinitInitializer]
    VarianceScaling: type[WinitInitializer]
    GlorotUniform: type[WinitInitializer]
    GlorotNormal: type[WinitInitializer]
    KaimingUniform: type[WinitInitializer]
    KaimingNormal: type[WinitInitializer]
    LecunUniform: type[WinitInitializer]
    LecunNormal: type[WinitInitializer]
    Orthogonal: type[WinitInitializer]
    DeltaOrthogonal: type[WinitInitializer]
    Dirac: type[WinitInitializer]
    IdentityInit: type[WinitInitializer]
    SparseInit: type[WinitInitializer]
    HeUniform: type[WinitInitializer]
    HeNormal: type[WinitInitializer]
    XavierUniform: type[WinitInitializer]
    XavierNormal: type[WinitInitializer]

__all__ = ["WinitInitializer", "seed_to_generator", "to_tensor", *CLASSES, *ALIAS_CLASSES]


def __dir__() -> list[str]:
    return sorted(__all__)
