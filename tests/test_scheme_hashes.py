"""Stored SHA-256 of scheme outputs (tests/data/scheme_hashes.json, written by
tests/data/make_scheme_hashes.py): the same seed gives the same bits, release after
release, on every machine. A failure here means users' weights changed."""
import hashlib
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).parent / "data"
DOC = json.loads((DATA / "scheme_hashes.json").read_text())
spec = importlib.util.spec_from_file_location("make_scheme_hashes", DATA / "make_scheme_hashes.py")
maker = importlib.util.module_from_spec(spec)
spec.loader.exec_module(maker)


def case_id(c):
    return f"{c['scheme']}-{c['dtype']}-{'x'.join(map(str, c['shape']))}" + \
        ("-region" if "region" in c else "")


@pytest.mark.parametrize("case", DOC["cases"], ids=[case_id(c) for c in DOC["cases"]])
def test_scheme_hash(case):
    got = hashlib.sha256(np.ascontiguousarray(maker.run(case)).tobytes()).hexdigest()
    assert got == case["sha256"], (
        f"{case_id(case)} changed bits (stored at commit {DOC['generated_at_commit']})")


def test_every_case_is_stored():
    assert len(DOC["cases"]) > 100
    schemes = {c["scheme"] for c in DOC["cases"]}
    assert {"uniform", "normal", "truncated_normal", "sparse_init", "glorot_uniform"} <= schemes
