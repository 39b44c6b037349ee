"""Write tests/data/scheme_hashes.json: SHA-256 of winit scheme outputs for fixed
(scheme, params, shape, dtype, seed, region). Run it only when the bits are changed
on purpose (a new transform in the header, never the counter layout), then commit
the JSON with the change:

    python tests/data/make_scheme_hashes.py

tests/test_scheme_hashes.py replays every case. orthogonal/delta_orthogonal are not
here: their QR goes through the linked BLAS, so their last bits may differ between
BLAS builds (their normal input is covered by the `normal` cases)."""
import hashlib
import json
import subprocess
from pathlib import Path

import numpy as np

import winit

CASES = [
    ("uniform", {"low": -1.0, "high": 3.0}, [1000, 37]),
    ("normal", {"mean": 0.5, "std": 2.0}, [1000, 37]),
    ("truncated_normal", {"mean": 0.0, "std": 1.0, "lo": -2.0, "hi": 2.0}, [1000, 37]),
    ("truncated_normal", {"lo": 5.0, "hi": 10.0}, [4099]),
    ("glorot_uniform", {}, [3, 3, 16, 32]),
    ("glorot_normal", {"distribution": "truncated_normal"}, [64, 48]),
    ("kaiming_normal", {"mode": "fan_out"}, [32, 16, 3, 3], {"layout": "torch"}),
    ("variance_scaling", {"scale": 2.0, "mode": "fan_geo_avg", "distribution": "normal"}, [40, 50]),
    ("lecun_uniform", {}, [128, 64]),
    ("sparse_init", {"sparsity": 0.3, "std": 0.1}, [50, 40]),
    ("sparse_init", {"sparsity": 0.7}, [50, 40], {"layout": "torch"}),
    ("identity_init", {"gain": 2.0, "shift": 1}, [3, 3, 4, 4]),
    ("dirac", {"groups": 2}, [3, 3, 4, 8]),
    ("constant", {"value": 0.25}, [7, 5]),
]
DTYPES = ["float32", "float64", "float16", "bfloat16", "complex64", "complex128"]
SKIP = {("truncated_normal", "complex64"), ("truncated_normal", "complex128")}


def region_of(shape):
    """A block at odd offsets, also hashed for 2-D cases: the shard path."""
    return [[n // 5, n - n // 7] for n in shape]


def run(case):
    fn = getattr(winit, case["scheme"])
    kw = dict(case["params"], **case.get("common", {}))
    region = case.get("region")
    if region is not None:
        kw["region"] = tuple(slice(a, b) for a, b in region)
    return fn(tuple(case["shape"]), dtype=case["dtype"], rng=case["seed"], **kw)


def digest(a):
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def main():
    out = []
    for i, (scheme, params, shape, *common) in enumerate(CASES):
        for dt in DTYPES:
            if (scheme, dt) in SKIP and params.get("lo") == 5.0:
                continue  # complex truncation needs symmetric bounds
            case = {"scheme": scheme, "params": params, "shape": shape, "dtype": dt,
                    "seed": 1000 + i, **({"common": common[0]} if common else {})}
            cases = [case]
            if len(shape) == 2 and winit.get_scheme(scheme).shardable:
                cases.append(dict(case, region=region_of(shape)))
            for c in cases:
                c["sha256"] = digest(run(c))
                out.append(c)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=Path(__file__).parent).stdout.strip()
    doc = {"generated_at_commit": commit, "note": __doc__.split("\n\n")[0], "cases": out}
    path = Path(__file__).with_name("scheme_hashes.json")
    path.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {len(out)} cases to {path}")


if __name__ == "__main__":
    main()
