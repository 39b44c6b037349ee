"""Generator: a Philox key from a seed, and a counter of streams.

Each random call takes the next stream of its generator, so call k's values do
not depend on the sizes of the calls before it. Keys come from
``numpy.random.SeedSequence`` (any non-negative int of any size, or OS entropy).

``rng=None`` is resolved here, once, for every face (``resolve_rng``): the default
generator when one is set (``winit.seed(n)``, ``with winit.seeded(n):``), else fresh OS
entropy.
"""
from __future__ import annotations

import hashlib
import operator
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np

__all__ = ["Generator", "as_generator", "resolve_rng", "seed", "seeded", "default_generator",
           "draw_seed"]

# Stream ids are 56 bits; the top byte of counter word 3 names a scheme's
# auxiliary substreams (element.h, WINIT_PURPOSE_*).
MAX_STREAM = 1 << 56
# fold_in children are spawn_key + (tag, value); spawn indices stay below 2**64,
# so fold_in(x) never collides with spawn()[i].
_FOLD_INT = 1 << 64
_FOLD_STR = (1 << 64) + 1
_DRAW = (1 << 64) + 2  # draw_seed's tag (never a spawn index or a fold_in tag)
MAX_SPAWN = 1 << 20  # children per spawn() call


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError("Argument `seed` must be a non-negative int or None. "
                        f"Received: seed={seed!r} of type {type(seed).__name__}")
    value = operator.index(seed)
    if value < 0:
        raise ValueError(f"Argument `seed` must be a non-negative int or None. Received: seed={value}")
    return value


class Generator:
    """A Philox4x32-10 key plus a stream counter.

    Args:
        seed: a non-negative int (any size), or None for fresh OS entropy.

    Examples:
        >>> g = winit.Generator(42)
        >>> a = winit.normal((2, 3), rng=g)   # stream 0
        >>> b = winit.normal((2, 3), rng=g)   # stream 1, independent of a
        >>> c = winit.normal((2, 3), rng=42)  # an int seed always starts at stream 0
        >>> bool((a == c).all())
        True
    """

    __slots__ = ("_entropy", "_spawn_key", "_key", "_next_stream", "_n_children", "_lock",
                 "_seed")

    def __init__(self, seed: int | None = None) -> None:
        if seed is not None:  # an int seed is its own entropy (SeedSequence keeps it as given)
            seed = _check_seed(seed)
            entropy = seed
        else:
            entropy = int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]
        self._init(entropy, (), 0, 0, seed)

    def _init(self, entropy: int, spawn_key: tuple[Any, ...], next_stream: int, n_children: int,
              seed: int | None) -> None:
        self._entropy = entropy
        self._spawn_key = tuple(spawn_key)
        self._seed = seed
        ss = np.random.SeedSequence(entropy, spawn_key=self._spawn_key)
        k = ss.generate_state(2, np.uint32)
        self._key = (int(k[0]), int(k[1]))
        self._next_stream = next_stream
        self._n_children = n_children
        self._lock = threading.Lock()

    @classmethod
    def _child(cls, parent: Generator, extra: tuple[Any, ...]) -> Generator:
        g = cls.__new__(cls)
        g._init(parent._entropy, parent._spawn_key + extra, 0, 0, parent._seed)
        return g

    @property
    def key(self) -> tuple[int, int]:
        """The Philox key words (k0, k1)."""
        return self._key

    @property
    def seed(self) -> int | None:
        """The int seed given, or None when the key came from OS entropy."""
        return self._seed

    @property
    def entropy(self) -> int:
        """The SeedSequence entropy (the seed, or the OS entropy drawn for None)."""
        return self._entropy

    @property
    def spawn_key(self) -> tuple[Any, ...]:
        return self._spawn_key

    @property
    def position(self) -> int:
        """The id of the stream the next call will take."""
        return self._next_stream

    def stream(self) -> int:
        """Take the next stream id (thread-safe: two callers never get the same one)."""
        with self._lock:
            s = self._next_stream
            if s >= MAX_STREAM:
                raise RuntimeError("this Generator has used all 2**56 streams; spawn a child")
            self._next_stream = s + 1
        return s

    def at_stream(self, stream: int) -> Generator:
        """A new Generator with this one's key whose next call takes stream ``stream``
        (0 <= stream < 2**56); this generator is not advanced. The bits of call k of
        ``g.at_stream(s)`` are those of call s + k of a fresh ``Generator`` of the same seed."""
        if isinstance(stream, bool) or not isinstance(stream, (int, np.integer)):
            raise TypeError("Argument `stream` must be an int in [0, 2**56). "
                            f"Received: stream={stream!r} of type {type(stream).__name__}")
        if not 0 <= stream < MAX_STREAM:
            raise ValueError(f"Argument `stream` must be in [0, 2**56). Received: stream={stream}")
        g = Generator.__new__(Generator)
        g._init(self._entropy, self._spawn_key, int(stream), 0, self._seed)
        return g

    def spawn(self, n: int) -> list[Generator]:
        """n new independent child generators (each call gives new ones); n <= 2**20 per
        call (a list of more would take minutes and gigabytes: spawn in batches, or use
        ``fold_in(i)``, which makes one child at a time)."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"Argument `n` must be a non-negative int. Received: n={n!r} of type "
                            f"{type(n).__name__}")
        if not 0 <= n <= MAX_SPAWN:
            raise ValueError(f"Argument `n` must be in [0, 2**20] (spawn in batches, or use "
                             f"fold_in(i) for one child at a time). Received: n={n!r}")
        with self._lock:
            first = self._n_children
            self._n_children += int(n)
        return [Generator._child(self, (first + i,)) for i in range(int(n))]

    def fold_in(self, data: int | str) -> Generator:
        """A child generator determined by ``data`` (an int >= 0 or a str) alone:
        ``g.fold_in("dense_1/kernel")`` is the same whatever else ``g`` did, so a
        layer's weights do not depend on the order layers are created in."""
        if isinstance(data, str):
            h = int.from_bytes(hashlib.sha256(data.encode("utf-8")).digest(), "little")
            return Generator._child(self, (_FOLD_STR, h))
        if isinstance(data, bool) or not isinstance(data, (int, np.integer)) or data < 0:
            raise TypeError("Argument `data` must be a non-negative int or a str. "
                            f"Received: data={data!r}")
        return Generator._child(self, (_FOLD_INT, int(data)))

    def __repr__(self) -> str:
        seed: Any = self._seed if self._seed is not None else f"<entropy {self._entropy:#x}>"
        if isinstance(seed, int) and seed.bit_length() > 256:  # (no 10**10000-digit reprs)
            seed = f"<{seed.bit_length()}-bit int {seed & 0xFFFFFFFF:#x}...>"
        sk = f", spawn_key={self._spawn_key}" if self._spawn_key else ""
        return f"winit.Generator(seed={seed}{sk}, stream={self._next_stream})"

    def __getstate__(self) -> dict[str, Any]:
        return dict(entropy=self._entropy, spawn_key=self._spawn_key, seed=self._seed,
                    next_stream=self._next_stream, n_children=self._n_children)

    def __setstate__(self, st: dict[str, Any]) -> None:
        self._init(st["entropy"], st["spawn_key"], st["next_stream"], st["n_children"],
                   st["seed"])

    @classmethod
    def _from_state(cls, st: Any, name: str = "state") -> Generator:
        """A Generator from ``__getstate__``'s dict (a config's ``{"generator": ...}``),
        every field checked: a ValueError naming ``name`` for a tampered state."""
        def bad(why: str) -> ValueError:
            return ValueError(f"Argument `{name}` holds an invalid generator state ({why}). "
                              f"Received: {name}={st!r}")

        def nonneg_int(v: Any) -> bool:
            return isinstance(v, (int, np.integer)) and not isinstance(v, bool) and bool(v >= 0)

        if not isinstance(st, dict) or set(st) != {"entropy", "spawn_key", "seed",
                                                    "next_stream", "n_children"}:
            raise bad("keys entropy, spawn_key, seed, next_stream, n_children")
        if not nonneg_int(st["entropy"]) or not (st["seed"] is None or nonneg_int(st["seed"])):
            raise bad("entropy and seed are non-negative ints")
        sk = st["spawn_key"]
        if not isinstance(sk, (list, tuple)) or not all(nonneg_int(v) for v in sk):
            raise bad("spawn_key is a list of non-negative ints")
        if not (nonneg_int(st["next_stream"]) and st["next_stream"] <= MAX_STREAM):
            raise bad("next_stream is in [0, 2**56]")
        if not nonneg_int(st["n_children"]):
            raise bad("n_children is a non-negative int")
        g = cls.__new__(cls)
        g._init(int(st["entropy"]), tuple(int(v) for v in sk), int(st["next_stream"]),
                int(st["n_children"]), None if st["seed"] is None else int(st["seed"]))
        return g

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Generator):
            return NotImplemented
        return self.__getstate__() == other.__getstate__()

    __hash__ = None  # type: ignore[assignment]  # mutable


def as_generator(rng: Any) -> Generator:
    """``rng=`` argument -> Generator: a Generator as is, an int seed -> a new
    Generator (so the same int always gives the same values), None -> the default
    generator if one is set (``resolve_rng``), else OS entropy."""
    if isinstance(rng, Generator):
        return rng
    if rng is None:
        d = resolve_rng(None)
        return d if d is not None else Generator(None)
    if isinstance(rng, bool) or not isinstance(rng, (int, np.integer)):
        raise TypeError(_rng_type_message(rng))
    if rng < 0:
        raise ValueError(f"Argument `rng` must be a non-negative int seed. Received: rng={rng}")
    return Generator(int(rng))


def _rng_type_message(rng: Any) -> str:
    """The TypeError of an ``rng=`` winit does not take, saying how to convert the
    generators and keys of numpy, torch and JAX (without importing torch or jax)."""
    head = "Argument `rng` must be a winit.Generator, an int seed or None. Received: "
    mod, name = type(rng).__module__, type(rng).__name__
    how = ""
    if isinstance(rng, np.random.Generator):
        how = ("a numpy Generator; draw a seed from it: rng=int(g.integers(2**63)), or make "
               "one winit generator for many calls: rng=winit.Generator(int(g.integers(2**63)))")
    elif isinstance(rng, np.random.RandomState):
        how = ("a numpy RandomState; draw a seed from it: "
               "rng=int(rs.randint(2**63 - 1, dtype=np.int64))")
    elif isinstance(rng, np.random.SeedSequence):
        how = ("a numpy SeedSequence; pass its entropy, rng=ss.entropy (winit.Generator "
               "hashes a seed with SeedSequence too), or for a spawned one a seed drawn from it: "
               "rng=int(ss.generate_state(1, np.uint64)[0])")
    elif mod.split(".")[0] == "torch" and name == "Generator":
        how = ("a torch.Generator; rng=winit.torch.resolve_generator(g) draws the seed "
               "winit.torch uses (or call winit.torch's functions with generator=g)")
    elif mod.split(".")[0] in ("jax", "jaxlib") or name == "ArrayImpl":
        how = ("a JAX array (a PRNG key?); rng=winit.jax.generator(key) is the generator "
               "winit.jax maps a key to (or use winit.jax's initializers, which take the key)")
    elif isinstance(rng, np.ndarray):
        how = f"a numpy array of shape {rng.shape} and dtype {rng.dtype}"
    if how:
        return head + how
    r = repr(rng)
    return head + f"rng={r if len(r) <= 80 else r[:77] + '...'} of type {name}"


# ------------------------------------------------------------------ the default generator
# winit.seed(n) sets a process-wide default (every thread shares it; its streams are taken
# under its lock); `with winit.seeded(n):` sets one for the current context only (a
# ContextVar: the thread or asyncio task that entered it, and tasks created inside).
_UNSET: Any = object()
_DEFAULT_LOCK = threading.Lock()
_default: Generator | None = None
_SCOPED: ContextVar[Any] = ContextVar("winit_seeded", default=_UNSET)


def _as_default(n: Any) -> Generator | None:
    if n is None or isinstance(n, Generator):
        return n
    return Generator(_check_seed(n))


def default_generator() -> Generator | None:
    """The generator that calls without ``rng=`` use: the innermost ``winit.seeded``
    scope's in this context, else the one ``winit.seed`` set, else None (each such call
    draws fresh OS entropy)."""
    g = _SCOPED.get()
    return _default if g is _UNSET else g


def resolve_rng(rng: Any) -> Any:
    """THE rule for ``rng=None``, for every face: the default generator when one is set
    (its next stream: reproducible in call order), else None (fresh OS entropy). Any other
    ``rng`` is returned as is."""
    if rng is not None:
        return rng
    g = _SCOPED.get()
    return _default if g is _UNSET else g


def draw_seed(g: Generator) -> int:
    """One int seed in [0, 2**63) drawn from ``g``, taking its next stream ``s``: the first
    uint64 word of ``SeedSequence(g.entropy, spawn_key=g.spawn_key + (2**64 + 2, s))``,
    shifted right by one (for a face whose framework needs an int seed at once: Keras'
    ``seed=None``)."""
    s = g.stream()
    ss = np.random.SeedSequence(g.entropy, spawn_key=g.spawn_key + (_DRAW, s))
    return int(ss.generate_state(1, np.uint64)[0]) >> 1


def seed(n: int | Generator | None) -> Generator | None:
    """Set the default generator of every call made without ``rng=`` (``n``: an int
    seed, or a ``winit.Generator`` to use as is), or clear it (None: such calls draw fresh
    OS entropy again, as before any ``seed``). Process-wide and thread-safe, like
    ``torch.manual_seed`` / ``np.random.seed``: each call without ``rng=`` takes the
    default's next stream, so a script's calls are reproducible in the order they are
    made. Returns the new default (None when cleared).

    Examples:
        >>> _ = winit.seed(7)
        >>> a = winit.normal((2, 2))      # stream 0 of winit.Generator(7)
        >>> b = winit.normal((2, 2))      # stream 1
        >>> g = winit.Generator(7)
        >>> bool((a == winit.normal((2, 2), rng=g)).all() and (b == winit.normal((2, 2), rng=g)).all())
        True
        >>> winit.seed(None)              # back to fresh entropy
    """
    global _default
    g = _as_default(n)
    with _DEFAULT_LOCK:
        _default = g
    return g


@contextmanager
def seeded(n: int | Generator | None) -> Iterator[Generator | None]:
    """A default generator for the calls inside a ``with`` block only (``n``: an int seed,
    a ``winit.Generator``, or None for fresh entropy inside even when ``winit.seed`` set a
    default). Scoped to the current context (a ``contextvars.ContextVar``): other threads
    and tasks are not affected, threads started inside see the process-wide default, and
    asyncio tasks created inside share the block's generator. Yields the generator.

    Examples:
        >>> with winit.seeded(3) as g:
        ...     a = winit.glorot_uniform((4, 4))
        ...     b = winit.glorot_uniform((4, 4))
        >>> with winit.seeded(3):
        ...     c = winit.glorot_uniform((4, 4))
        >>> bool((a == c).all()), bool((a == b).all())
        (True, False)
    """
    g = _as_default(n)
    token = _SCOPED.set(g)
    try:
        yield g
    finally:
        _SCOPED.reset(token)
