"""The command line (``python -m winit`` / the ``winit`` script): every subcommand run
as a subprocess, as a user would -- help texts, outputs equal to the API's bits, and
bad arguments exiting with status 2 and one clear message (never a traceback)."""
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import winit
from winit import _progress

ROOT = Path(__file__).resolve().parents[1]


def cli(*args, env=None, timeout=300):
    e = dict(os.environ, WINIT_PROGRESS="0")
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "winit", *args], capture_output=True,
                          text=True, env=e, timeout=timeout)


class Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def run(*args):
    """``main(args)`` in this process (the many argument checks; one subprocess per
    command above covers the process entry point)."""
    import contextlib
    from winit.__main__ import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(list(args))
        except SystemExit as e:  # demo/bench parse their own arguments
            rc = e.code
    return Result(rc, out.getvalue(), err.getvalue())


def assert_usage_error(r, *needles):
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr, r.stderr
    assert "error:" in r.stderr
    for n in needles:
        assert n in r.stderr, (n, r.stderr)


# ------------------------------------------------------------------ top level

def test_help_lists_every_command():
    r = cli("--help")
    assert r.returncode == 0
    for cmd in ("info", "demo", "bench", "sample"):
        assert f"\n    {cmd} " in r.stdout, r.stdout


def test_no_command_is_a_usage_error_with_the_help():
    r = cli()
    assert r.returncode == 2 and "COMMAND" in r.stderr and "sample" in r.stderr


def test_unknown_command():
    assert_usage_error(run("frobnicate"), "invalid choice", "'frobnicate'")


def test_version():
    r = cli("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"winit {winit.__version__}"


@pytest.mark.parametrize("cmd, needle", [("info", "--json"), ("sample", "--param"),
                                         ("bench", "--quick"), ("demo", "--epochs")])
def test_every_command_has_help(cmd, needle):
    r = run(cmd, "--help")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("usage:") and needle in r.stdout


# ------------------------------------------------------------------ info

def test_info():
    r = cli("info")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    from winit._core import _core
    assert out.startswith(f"winit {winit.__version__}")
    assert f"SIMD level: {_core.simd_level()} (available: {', '.join(_core.simd_available())}" in out
    assert f"threads: {winit.get_num_threads()}" in out
    assert "CUDA: " in out and "fatbin:" in out
    assert "extras:" in out and "keras" in out and "dask" in out


def test_info_json():
    r = cli("info", "--json", env={"WINIT_SIMD": "portable", "OMP_NUM_THREADS": "1"})
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["version"] == winit.__version__
    assert d["simd_level"] == "portable" and "portable" in d["simd_available"]
    assert d["simd_env"] == "portable" and d["threads"] == 1
    assert set(d["cuda"]) >= {"available", "error", "devices"}
    assert {"keras", "dask", "cuda"} <= set(d["extras"])
    assert d["extras"]["keras"]["keras"] is not None  # the test extra installs keras


# ------------------------------------------------------------------ sample

def test_sample_prints_the_api_values():
    r = cli("sample", "glorot_uniform", "--shape", "3,4", "--seed", "1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(winit.glorot_uniform((3, 4), rng=1))


def test_sample_params_dtype_and_out(tmp_path):
    out = tmp_path / "k.npy"
    r = cli("sample", "he_normal", "--shape", "8,4,3,3", "--seed", "5", "--dtype", "float64",
            "--param", "layout=torch", "--param", "mode=fan_out",
            "--param", "distribution=truncated_normal", "--out", str(out))
    assert r.returncode == 0, r.stderr
    want = winit.kaiming_normal((8, 4, 3, 3), rng=5, dtype="float64", layout="torch",
                                mode="fan_out", distribution="truncated_normal")
    got = np.load(out)
    assert got.dtype == np.float64 and got.tobytes() == want.tobytes()


def test_sample_literal_params():
    r = run("sample", "constant", "--shape", "2", "--dtype", "complex64", "--param",
            "value=1+2j")
    assert r.returncode == 0 and r.stdout.strip() == "[1.+2.j 1.+2.j]"
    r = run("sample", "identity_init", "--shape", "3,3", "--param", "shift=(1,)",
            "--dtype", "int32")
    assert r.returncode == 0
    assert r.stdout.strip() == str(winit.identity_init((3, 3), shift=(1,), dtype="int32"))
    r = run("sample", "truncated_normal", "--shape", "5", "--seed", "2", "--param", "lo=0",
            "--param", "hi=inf", "--precision", "3")
    with np.printoptions(precision=3):
        assert r.stdout.strip() == str(winit.truncated_normal(5, lo=0, hi=np.inf, rng=2))


def test_sample_without_seed_reports_the_seed_drawn():
    r = cli("sample", "normal", "--shape", "4")
    assert r.returncode == 0
    seed = int(r.stderr.split("drew --seed ")[1].split()[0])
    again = cli("sample", "normal", "--shape", "4", "--seed", str(seed))
    assert again.stdout == r.stdout and again.stderr == ""


def test_sample_full_prints_every_element():
    r = run("sample", "ones", "--shape", "2000", "--full")
    assert r.stdout.count("1.") == 2000 and "..." not in r.stdout
    assert "..." in run("sample", "ones", "--shape", "2000").stdout


def test_sample_large_out_is_written_in_blocks(tmp_path):
    out = tmp_path / "big.npy"
    shape = (3000, 700)  # 8.0 MiB of float32 in blocks of ~1 MiB
    r = cli("sample", "sparse_init", "--shape", "3000,700", "--seed", "3", "--param",
            "sparsity=0.5", "--out", str(out), "--block-mib", "1", env={"WINIT_PROGRESS": "1"})
    assert r.returncode == 0, r.stderr
    assert "blocks" in r.stderr
    want = winit.sparse_init(shape, sparsity=0.5, rng=3)
    assert np.load(out).tobytes() == want.tobytes()


def test_sample_non_shardable_out_is_generated_whole(tmp_path):
    out = tmp_path / "q"  # .npy is appended
    r = run("sample", "orthogonal", "--shape", "300,200", "--seed", "4", "--out", str(out),
            "--block-mib", "0.01")
    assert r.returncode == 0, r.stderr
    q = np.load(tmp_path / "q.npy").astype(np.float64)
    np.testing.assert_allclose(q.T @ q, np.eye(200), atol=1e-5)


def test_sample_bfloat16_out(tmp_path):
    import ml_dtypes
    out = tmp_path / "b.npy"
    r = run("sample", "normal", "--shape", "64,8", "--seed", "1", "--dtype", "bfloat16",
            "--out", str(out), "--block-mib", "0.0005")
    assert r.returncode == 0 and "ml_dtypes.bfloat16" in r.stderr
    got = np.load(out).view(ml_dtypes.bfloat16)
    assert got.tobytes() == winit.normal((64, 8), rng=1, dtype="bfloat16").tobytes()


def test_unknown_scheme_lists_the_valid_ones():
    r = run("sample", "glorot", "--shape", "3")
    assert_usage_error(r, "unknown scheme 'glorot'", *sorted(winit.SCHEMES), "xavier_uniform")


def _message(fn, *args, **kwargs):
    with pytest.raises((ValueError, TypeError)) as e:
        fn(*args, **kwargs)
    return str(e.value)


@pytest.mark.parametrize("args, fn, call", [
    (["sparse_init", "--shape", "4,4", "--param", "sparsity=2"], winit.sparse_init,
     dict(shape=(4, 4), sparsity=2)),
    (["kaiming_uniform", "--shape", "4,4", "--param", "mode=fan"], winit.kaiming_uniform,
     dict(shape=(4, 4), mode="fan")),
    (["normal", "--shape", "4", "--param", "std=-1"], winit.normal, dict(shape=4, std=-1)),
    (["glorot_uniform", "--shape", "4,4", "--dtype", "int32"], winit.glorot_uniform,
     dict(shape=(4, 4), dtype="int32")),
    (["orthogonal", "--shape", "5"], winit.orthogonal, dict(shape=(5,))),
    (["uniform", "--shape", "4", "--param", "gain=2"], winit.uniform, dict(shape=4, gain=2)),
    (["dirac", "--shape", "3,3,4,6", "--param", "groups=4"], winit.dirac,
     dict(shape=(3, 3, 4, 6), groups=4)),
])
def test_bad_param_gives_the_schemes_own_message(args, fn, call):
    r = run("sample", *args, "--seed", "0")
    shape = call.pop("shape")
    assert_usage_error(r, _message(fn, shape, rng=0, **call))


def test_bad_param_in_block_mode_too(tmp_path):
    r = run("sample", "sparse_init", "--shape", "3000,700", "--param", "sparsity=2",
            "--out", str(tmp_path / "x.npy"), "--block-mib", "1")
    assert_usage_error(r, "Argument `sparsity` must be in [0, 1]. Received: sparsity=2")
    assert not (tmp_path / "x.npy").exists()


@pytest.mark.parametrize("args, needle", [
    (["normal", "--shape", "3,x"], "argument --shape"),
    (["normal", "--shape", "3,-1"], "argument --shape"),
    (["normal"], "--shape"),
    (["normal", "--shape", "3", "--seed", "-4"], "argument --seed"),
    (["normal", "--shape", "3", "--seed", "abc"], "argument --seed"),
    (["normal", "--shape", "3", "--param", "std"], "NAME=VALUE"),
    (["normal", "--shape", "3", "--param", "rng=3"], "use --seed"),
    (["normal", "--shape", "3", "--param", "dtype=float64"], "use --dtype"),
    (["normal", "--shape", "3", "--device", "gpu"], "`device`"),
])
def test_bad_arguments(args, needle):
    assert_usage_error(run("sample", *args), needle)


# ------------------------------------------------------------------ bench, demo

def test_bench_json():
    r = cli("bench", "--sizes", "65536", "--threads", "1", "--dists", "uniform,normal",
            "--dtypes", "float32", "--no-peers", "--no-keras", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    jobs = [row["job"] for row in d["rows"]]
    assert jobs == ["alloc+write floor", "uniform", "normal"]
    assert all(v > 0 for row in d["rows"] for v in row["ns"].values())


def test_bench_table():
    r = cli("bench", "--sizes", "65536", "--threads", "1", "--dists", "truncnorm",
            "--dtypes", "float64", "--no-peers", "--no-keras")
    assert r.returncode == 0, r.stderr
    assert "truncnorm  float64  n=    65536 thr=1" in r.stdout


def test_bench_bad_level():
    assert_usage_error(run("bench", "--simd", "sse9", "--no-keras"), "unknown SIMD level")


def test_demo_bad_argument():
    assert_usage_error(run("demo", "--epochs", "many"), "--epochs")


# ------------------------------------------------------------------ the console script

def test_console_script_is_declared():
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert meta["project"]["scripts"]["winit"] == "winit.__main__:main"
    from winit.__main__ import main
    assert main(["--version"]) == 0


def test_console_script_runs_when_installed():
    """The installed ``winit`` script (reinstall with pip install -e . after adding it)."""
    import shutil
    exe = Path(sys.executable).parent / "winit"
    exe = str(exe) if exe.exists() else shutil.which("winit")
    if exe is None:
        pytest.skip("the winit console script is not installed in this environment")
    r = subprocess.run([exe, "sample", "normal", "--shape", "3", "--seed", "1"],
                       capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == str(winit.normal(3, rng=1))
    r = subprocess.run([exe, "--help"], capture_output=True, text=True)
    assert r.stdout.startswith("usage: winit ")


# ------------------------------------------------------------------ progress bars

@pytest.mark.parametrize("kind", ["tqdm", "rich", "none"])
def test_progress_backends(kind, monkeypatch, capsys):
    if kind != "none":
        pytest.importorskip(kind)
    monkeypatch.setenv("WINIT_PROGRESS", kind)
    assert _progress.backend() == kind
    f = io.StringIO()
    with _progress.progress(3, "job", enable=True, file=f) as bar:
        for i in range(3):
            bar.write(f"row {i}")
            bar.update()
    assert bar.n == 3
    assert capsys.readouterr().out.splitlines() == ["row 0", "row 1", "row 2"]
    if kind == "tqdm":
        assert "job:" in f.getvalue() and "/3 [" in f.getvalue()
    if kind == "none":
        assert f.getvalue() == ""


def test_progress_off_when_not_a_terminal_or_disabled(monkeypatch):
    monkeypatch.delenv("WINIT_PROGRESS", raising=False)
    f = io.StringIO()  # not a tty
    with _progress.progress(2, "job", file=f) as bar:
        bar.update(2)
    assert f.getvalue() == "" and type(bar) is _progress.Progress
    monkeypatch.setenv("WINIT_PROGRESS", "0")
    with _progress.progress(2, "job", enable=True, file=f) as bar:
        bar.update(2)
    assert f.getvalue() == ""


def test_progress_without_tqdm_or_rich(monkeypatch):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda n, *a: None if n in ("tqdm", "rich") else real(n, *a))
    monkeypatch.delenv("WINIT_PROGRESS", raising=False)
    assert _progress.backend() == "none"
    with _progress.progress(2, "job", enable=True) as bar:
        bar.update()
    assert type(bar) is _progress.Progress and bar.n == 1


def test_progress_dask_callback(monkeypatch):
    pytest.importorskip("tqdm")
    da = pytest.importorskip("dask.array")
    monkeypatch.setenv("WINIT_PROGRESS", "tqdm")
    import winit.dask as wd
    x = wd.normal((400, 300), chunks=(100, 100), rng=1)
    with _progress.dask_callback("normal", enable=True) as cb:
        got = x.compute(scheduler="threads")
    assert isinstance(x, da.Array) and cb.bar.n == cb.bar.total > 0
    assert got.tobytes() == winit.normal((400, 300), rng=1).tobytes()
