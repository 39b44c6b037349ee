"""Byte sources for dieharder: each yields chunks of raw little-endian uint32 words.

Every source goes through a public or documented entry point:

* ``philox``     -- ``winit.philox4x32`` (the raw bijection) on counters (b mod 2**32, b div 2**32,
                    7, 0) under the arbitrary key (0xDEADBEEF, 0xCAFEF00D)
* ``fill``       -- ``winit._plan.bits`` (the fill path: winit_fill_region), seed 0, stream 0,
                    in shards (``region=``) as a user would generate a huge tensor
* ``uniform24``  -- float32 ``winit.uniform`` mapped back to its 24 bits (u * 2**24), the
                    24-bit values packed back to back into the byte stream
* ``uniform32hi``-- float64 ``winit.uniform``: the top 32 of its 53 bits
* ``keys``       -- four keys from seeds 1, 2, 2**64 and 2**200, word-interleaved
* ``onebit``     -- eight keys differing from one key in one or two bits, word-interleaved
* ``streams``    -- streams 0, 1, 2 and 3 of one key, word-interleaved (adjacent streams)
* ``streamhi``   -- streams 0, 2**32, 2**56 (the sparse purpose byte) and 2**63, interleaved
* ``children``   -- spawn(2) children and fold_in("a"), fold_in("b") of one Generator, interleaved
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator

import numpy as np

import winit
from winit._core import _core
from winit._plan import bits

CHUNK = 1 << 21  # words per chunk per source (8 MiB)
HUGE = 1 << 60   # flat size of the "tensor" the fill-path sources shard


def _fill_words(key: tuple[int, int], stream: int, start: int, n: int) -> np.ndarray:
    """n raw words from flat index ``start`` of (key, stream), through winit_fill_region."""
    out = np.empty(n, np.uint32)
    _core.fill(out, _core.DIST_BITS, _core.DT_UINT32, key, stream, (),
               np.array([start], np.uint64), n)
    return out


def _interleave(parts: list[np.ndarray]) -> np.ndarray:
    return np.stack(parts, axis=1).reshape(-1)


def _interleaved(keys_streams: list[tuple[tuple[int, int], int]]) -> Iterator[bytes]:
    per = CHUNK // len(keys_streams)
    i = 0
    while True:
        yield _interleave([_fill_words(k, s, i, per) for k, s in keys_streams]).tobytes()
        i += per


def philox() -> Iterator[bytes]:
    key = np.array([0xDEADBEEF, 0xCAFEF00D], np.uint32)
    b = 0
    nb = CHUNK // 4
    while True:
        c = np.zeros((nb, 4), np.uint32)
        c[:, 2] = 7
        blk = np.arange(b, b + nb, dtype=np.uint64)
        c[:, 0] = (blk & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        c[:, 1] = (blk >> np.uint64(32)).astype(np.uint32)
        yield winit.philox4x32(c, key).tobytes()
        b += nb


def fill() -> Iterator[bytes]:
    i = 0
    while True:
        yield bits((HUGE,), rng=0, region=(slice(i, i + CHUNK),)).tobytes()
        i += CHUNK


def uniform24() -> Iterator[bytes]:
    i = 0
    while True:
        u = winit.uniform((HUGE,), rng=0, region=(slice(i, i + CHUNK),), dtype="float32")
        k = (u * np.float32(2.0**24)).astype(np.uint32)  # exact: u = k * 2^-24
        yield k.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()   # 24 bits each, little-endian
        i += CHUNK


def uniform32hi() -> Iterator[bytes]:
    i = 0
    while True:
        u = winit.uniform((HUGE,), rng=0, region=(slice(i, i + CHUNK),), dtype="float64")
        k = (u * 2.0**53).astype(np.uint64)  # exact: u = k * 2^-53
        yield (k >> np.uint64(21)).astype(np.uint32).tobytes()
        i += CHUNK


def keys() -> Iterator[bytes]:
    return _interleaved([(winit.Generator(s).key, 0) for s in (1, 2, 2**64, 2**200)])


def onebit_keys() -> list[tuple[int, int]]:
    k0, k1 = winit.Generator(0).key
    flips = [(0, 0), (1, 0), (2, 0), (1 << 31, 0), (0, 1), (0, 2), (0, 1 << 31), (1, 1)]
    return [(k0 ^ a, k1 ^ b) for a, b in flips]


def onebit() -> Iterator[bytes]:
    return _interleaved([(k, 0) for k in onebit_keys()])


def streams() -> Iterator[bytes]:
    key = winit.Generator(0).key
    return _interleaved([(key, s) for s in (0, 1, 2, 3)])


def streamhi() -> Iterator[bytes]:
    key = winit.Generator(0).key
    return _interleaved([(key, s) for s in (0, 1 << 32, 1 << 56, 1 << 63)])


def children() -> Iterator[bytes]:
    g = winit.Generator(0)
    kids = g.spawn(2) + [g.fold_in("a"), g.fold_in("b")]
    return _interleaved([(c.key, 0) for c in kids])


SOURCES: dict[str, Callable[[], Iterator[bytes]]] = {
    "philox": philox, "fill": fill, "uniform24": uniform24, "uniform32hi": uniform32hi,
    "keys": keys, "onebit": onebit, "streams": streams, "streamhi": streamhi,
    "children": children,
}


def emit(name: str, limit_bytes: int | None = None) -> None:
    """Write source ``name`` to stdout until the reader goes away (or limit_bytes)."""
    out = sys.stdout.buffer
    n = 0
    try:
        for chunk in SOURCES[name]():
            out.write(chunk)
            n += len(chunk)
            if limit_bytes is not None and n >= limit_bytes:
                break
        out.flush()
    except (BrokenPipeError, OSError):
        pass
    finally:
        try:
            sys.stdout = None  # no flush error at exit after the reader closed the pipe
        except Exception:
            pass


if __name__ == "__main__":
    emit(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else None)
