"""The command line (``python -m winit`` / the ``winit`` script): every subcommand run
as a subprocess, as a user would -- help texts, outputs equal to the API's bits -- and,
in-process (``main([...])``, fast), hostile values of every option: bad arguments exit
with status 2, environment failures (memory, disk, output file, GPU) with 1, each with
one ``error:`` line naming the option and the value, never a traceback, and never a
file left behind."""
import importlib.util
import io
import json
import math
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


def _error_line(r):
    assert "Traceback" not in r.stderr, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if "error:" in ln]
    assert len(lines) == 1, r.stderr
    return lines[0]


def assert_usage_error(r, *needles):
    """Exit 2; one ``error:`` line (argparse prints its usage above it) with every needle."""
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    line = _error_line(r)
    for n in needles:
        assert n in line, (n, r.stderr)


def assert_env_error(r, *needles):
    """Exit 1 and stderr exactly one ``error:`` line holding every needle."""
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    line = _error_line(r)
    assert r.stderr.strip() == line, r.stderr
    for n in needles:
        assert n in line, (n, r.stderr)


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


def test_info_when_the_cuda_probe_raises(monkeypatch):
    """A driver failing in a way the probe does not expect: info still prints the rest."""
    from winit import _cuda

    def broken():
        raise OSError("libcuda.so: cannot open shared object file")
    monkeypatch.setattr(_cuda, "status", broken)
    r = run("info", "--json")
    assert r.returncode == 0 and r.stderr == "", r.stderr
    d = json.loads(r.stdout)
    assert d["cuda"]["available"] is False
    assert d["cuda"]["error"] == ("probing CUDA raised OSError: libcuda.so: cannot open shared "
                                  "object file")
    r = run("info")
    assert r.returncode == 0 and "CUDA: unavailable\n  cause: probing CUDA raised OSError" in r.stdout


def test_info_reports_the_keras_backend(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    have_torch = importlib.util.find_spec("torch") is not None
    r = run("info")
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("keras: "))
    assert "backend torch (from KERAS_BACKEND): " in line
    assert line.endswith("torch installed") == have_torch
    d = json.loads(run("info", "--json").stdout)["keras"]
    assert d["backend"] == "torch" and d["source"] == "KERAS_BACKEND"
    assert d["installed"] == have_torch and d["config_path"] == str(tmp_path / "keras.json")
    # from keras.json, naming a backend Keras does not know: the fix is printed
    monkeypatch.delenv("KERAS_BACKEND")
    (tmp_path / "keras.json").write_text('{"backend": "jaxx"}')
    out = run("info").stdout
    assert f"backend jaxx (from {tmp_path / 'keras.json'}): NOT importable" in out
    assert "export KERAS_BACKEND=" in out and 'set "backend": ' in out


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


@pytest.mark.parametrize("args, needle", [
    (["--precision", "-1"], "argument --precision: must be an int from 0 to 1000; got '-1'"),
    (["--precision", "99999999999"], "argument --precision"),
    (["--precision", "x"], "argument --precision"),
    (["--block-mib", "nan"], "argument --block-mib: must be a positive finite number of MiB; "
                             "got 'nan'"),
    (["--block-mib", "inf"], "argument --block-mib: must be a positive finite number"),
    (["--block-mib=-inf"], "argument --block-mib"),
    (["--block-mib", "0"], "argument --block-mib: must be a positive finite number"),
    (["--block-mib", "-5"], "argument --block-mib: must be a positive finite number"),
    (["--block-mib", ""], "argument --block-mib"),
    (["--shape", ","], "argument --shape"),
    (["--shape", "3,,4"], "argument --shape"),
    (["--shape", ",".join(["1"] * 65)], "argument --shape: at most 64 dimensions"),
    (["--shape", "10000000000,10000000000"], "Argument `shape`=(10000000000, 10000000000)"),
    (["--dtype", ""], "Received: dtype=''"),
    (["--dtype", "object"], "Received: dtype='object'"),
    (["--device", ""], "Received: device=''"),
    (["--device", "cuda:-1"], "Received: device='cuda:-1'"),
    (["--param", "std=nan"], "Received: std=nan"),
    (["--param", "std="], "Received: std=''"),
    (["--param", "=1"], "argument --param"),
    (["--param", "foo=1"], "'foo'"),
])
def test_hostile_option_values_are_usage_errors(args, needle, tmp_path):
    base = {"--shape": "3", "--seed": "1"}
    for k in list(base):
        if any(a.split("=")[0] == k for a in args):
            base.pop(k)
    r = run("sample", "normal", *[x for kv in base.items() for x in kv], *args,
            "--out", str(tmp_path / "x.npy"))
    assert_usage_error(r, needle)
    assert os.listdir(tmp_path) == []


def test_a_huge_int_param_is_a_usage_error():
    r = run("sample", "identity_init", "--shape", "3,3", "--param",
            "shift=99999999999999999999999")
    assert_usage_error(r, "`shift`", "< 2**63", "shift=99999999999999999999999")


# ------------------------------------------------------------------ environment failures

def test_too_large_for_memory_is_one_line_exit_1():
    r = run("sample", "normal", "--shape", "100000000,100000000", "--seed", "1")
    assert_env_error(r, "--shape 100000000,100000000: ", "memory",
                     "with --out FILE.npy it is written block by block")


def test_cuda_unavailable_is_one_line_exit_1(monkeypatch, tmp_path):
    from winit import _cuda

    def no_gpu():
        raise winit.CudaUnavailableError('device="cuda" is unavailable: no GPU in this test')
    monkeypatch.setattr(_cuda._driver, "_driver", no_gpu)
    assert_env_error(run("sample", "normal", "--shape", "3", "--device", "cuda"),
                     "--device cuda: ", "no GPU in this test")
    r = run("sample", "normal", "--shape", "3000,700", "--device", "cuda:1", "--out",
            str(tmp_path / "g.npy"), "--block-mib", "1")
    assert_env_error(r, "--device cuda:1: ", "no GPU in this test")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("block_mib", ["256", "1"])  # whole, and block by block
def test_out_in_a_missing_directory(tmp_path, block_mib):
    out = tmp_path / "no" / "such" / "x.npy"
    r = run("sample", "normal", "--shape", "3000,700", "--out", str(out), "--block-mib", block_mib)
    assert_env_error(r, f"--out {out}: the directory {out.parent} does not exist")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("make", ["dir", "dir/", "dir.npy", ""])
def test_out_naming_a_directory_is_a_usage_error(tmp_path, make, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir.npy").mkdir()
    r = run("sample", "normal", "--shape", "3", "--out", make)
    assert_usage_error(r, f"--out {make!r}")
    assert sorted(os.listdir(tmp_path)) == ["dir", "dir.npy"]
    assert os.listdir(tmp_path / "dir") == [] and os.listdir(tmp_path / "dir.npy") == []


def test_out_not_writable(tmp_path, monkeypatch):
    """An output that cannot be created (read-only directory or file system): simulated
    with open() raising PermissionError, since root may write anywhere."""
    import winit._cli_sample as cli_main

    def refuse(path, mode="r", *a, **k):
        raise PermissionError(13, "Permission denied", path)
    monkeypatch.setattr(cli_main, "open", refuse, raising=False)
    r = run("sample", "normal", "--shape", "3", "--out", str(tmp_path / "x.npy"))
    assert_env_error(r, f"--out {tmp_path / 'x.npy'}: Permission denied")
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_out_in_a_read_only_directory(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        r = run("sample", "normal", "--shape", "3", "--out", str(ro / "x.npy"))
        assert_env_error(r, f"--out {ro / 'x.npy'}: Permission denied")
        assert os.listdir(ro) == []
    finally:
        ro.chmod(0o700)


class _Usage:
    def __init__(self, free):
        self.total, self.used, self.free = 2 * free, free, free


@pytest.mark.parametrize("args", [
    ["normal", "--shape", "3000,700", "--block-mib", "1"],  # block by block
    ["orthogonal", "--shape", "300,200"],                   # generated whole
])
def test_full_disk_is_refused_before_writing(tmp_path, monkeypatch, args):
    import shutil
    monkeypatch.setattr(shutil, "disk_usage", lambda p: _Usage(1000))
    out = tmp_path / "x.npy"
    r = run("sample", *args, "--seed", "1", "--out", str(out))
    assert_env_error(r, f"--out {out}: not enough disk space: the file needs ",
                     f"{tmp_path} has 1000 bytes free")
    assert os.listdir(tmp_path) == []


def test_full_disk_keeps_an_existing_file_and_says_why(tmp_path, monkeypatch):
    import shutil
    out = tmp_path / "x.npy"
    assert run("sample", "normal", "--shape", "3000,700", "--seed", "1", "--out",
               str(out)).returncode == 0
    before = out.read_bytes()
    monkeypatch.setattr(shutil, "disk_usage", lambda p: _Usage(1000))
    r = run("sample", "normal", "--shape", "3000,700", "--seed", "2", "--out", str(out))
    assert_env_error(r, "not enough disk space", "delete it first to use its 8.0 MiB")
    assert os.listdir(tmp_path) == ["x.npy"] and out.read_bytes() == before


def test_a_file_larger_than_any_disk(tmp_path):
    """The issue's `--shape 1000000000,1000000000 --out f` (3.5 EiB): it left a 128-byte
    file behind."""
    out = tmp_path / "f.npy"
    r = run("sample", "normal", "--shape", "1000000000,1000000000", "--seed", "1", "--out",
            str(out))
    assert_env_error(r, f"--out {out}: not enough disk space: the file needs 3.5 EiB")
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
@pytest.mark.parametrize("shape, block_mib", [("3,4", "256"), ("3000,700", "1")])
def test_disk_full_while_writing(shape, block_mib):
    """/dev/full fails every write with ENOSPC: the write path, not the space check.
    A device is written in place: no .npy appended, no temporary file beside it."""
    import stat
    r = run("sample", "normal", "--shape", shape, "--seed", "1", "--out", "/dev/full",
            "--block-mib", block_mib)
    assert_env_error(r, "--out /dev/full: No space left on device")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode) and not os.path.exists("/dev/full.npy")


def test_a_failure_after_the_last_block_leaves_no_file(tmp_path, monkeypatch):
    """The final rename fails (e.g. the file system went read-only): the complete
    temporary file is removed too."""
    def fail(src, dst):
        raise OSError(30, "Read-only file system")
    monkeypatch.setattr(os, "replace", fail)
    out = tmp_path / "x.npy"
    r = run("sample", "normal", "--shape", "3000,700", "--out", str(out), "--block-mib", "1")
    assert_env_error(r, f"--out {out}: Read-only file system")
    assert os.listdir(tmp_path) == []


def _interrupt_at_block(monkeypatch, k, raise_it, seen):
    """Make the k-th generated block call ``raise_it()``, recording the directory then."""
    import winit._cli_sample as cli_main
    real, calls = cli_main._generate, []

    def gen(spec, shape, kw, params, **extra):
        if extra.get("out") is not None:
            calls.append(1)
            if len(calls) == k:
                seen.extend(os.listdir(seen.pop()))
                raise_it()
        return real(spec, shape, kw, params, **extra)
    monkeypatch.setattr(cli_main, "_generate", gen)


def _sigterm():
    import signal
    os.kill(os.getpid(), signal.SIGTERM)


@pytest.mark.parametrize("how, rc, msg", [
    ("ctrl-c", 130, "interrupted"), ("sigterm", 143, "terminated (SIGTERM)")])
def test_an_interrupted_write_leaves_no_file(tmp_path, monkeypatch, how, rc, msg):
    out = tmp_path / "x.npy"
    out.write_bytes(b"the previous file")
    seen = [tmp_path]

    def ctrl_c():
        raise KeyboardInterrupt
    _interrupt_at_block(monkeypatch, 3, ctrl_c if how == "ctrl-c" else _sigterm, seen)
    r = run("sample", "normal", "--shape", "3000,700", "--seed", "1", "--out", str(out),
            "--block-mib", "1")
    assert r.returncode == rc and r.stderr.strip().endswith(f"sample: {msg}"), r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert len(seen) == 2 and any(n.endswith(".partial") for n in seen)  # it existed
    assert os.listdir(tmp_path) == ["x.npy"] and out.read_bytes() == b"the previous file"


def test_an_unexpected_error_is_one_line(monkeypatch, tmp_path):
    import winit._cli_sample as cli_main

    def boom(*a, **k):
        raise RuntimeError("something\nunforeseen")
    monkeypatch.setattr(cli_main, "_write_blocks", boom)
    argv = ["sample", "normal", "--shape", "3000,700", "--out", str(tmp_path / "x.npy"),
            "--block-mib", "1"]
    r = run(*argv)
    assert_env_error(r, "error: RuntimeError: something unforeseen", "WINIT_TRACEBACK=1")
    assert os.listdir(tmp_path) == []
    monkeypatch.setenv("WINIT_TRACEBACK", "1")
    from winit.__main__ import main
    with pytest.raises(RuntimeError, match="unforeseen"):
        main(argv)


def test_out_through_a_symlink_and_a_non_utf8_name(tmp_path):
    real = tmp_path / "real.npy"
    (tmp_path / "link.npy").symlink_to(real)
    assert run("sample", "normal", "--shape", "4", "--seed", "1", "--out",
               str(tmp_path / "link.npy")).returncode == 0
    assert (tmp_path / "link.npy").is_symlink()
    assert np.load(real).tobytes() == winit.normal(4, rng=1).tobytes()
    odd = os.fsdecode(os.fsencode(str(tmp_path)) + b"/w\xff")  # as sys.argv holds it
    r = run("sample", "normal", "--shape", "4", "--seed", "1", "--out", odd)
    assert r.returncode == 0, r.stderr
    assert b"w\xff.npy" in os.listdir(os.fsencode(str(tmp_path)))


def test_non_utf8_path_in_an_error_in_a_real_process(tmp_path):
    bad = os.fsencode(str(tmp_path)) + b"/no\xff/x.npy"
    r = subprocess.run([sys.executable, "-m", "winit", "sample", "normal", "--shape", "3",
                        "--out", bad], capture_output=True, env=dict(os.environ))
    assert r.returncode == 1 and b"Traceback" not in r.stderr, r.stderr
    assert r.stderr.count(b"error:") == 1 and b"does not exist" in r.stderr
    assert os.listdir(tmp_path) == []


# ------------------------------------------------------------------ bench, demo

def test_bench_json():
    r = cli("bench", "--sizes", "65536", "--threads", "1", "--dists", "uniform,normal",
            "--dtypes", "float32", "--no-peers", "--no-keras", "--no-calls", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    jobs = [row["job"] for row in d["rows"]]
    assert jobs == ["alloc+write floor", "uniform", "normal"]
    assert all(v > 0 for row in d["rows"] for v in row["ns"].values())


def test_bench_table():
    r = cli("bench", "--sizes", "65536", "--threads", "1", "--dists", "truncnorm",
            "--dtypes", "float64", "--no-peers", "--no-keras", "--no-calls")
    assert r.returncode == 0, r.stderr
    assert "truncnorm  float64  n=    65536 thr=1" in r.stdout


def test_bench_small_calls_and_whole_model_sections():
    """The sections' contents (in-process, with a small model: the CLI runs GPT-2 small)."""
    from winit import _bench_calls as bc
    small = bc.small_calls(1)
    assert {"normal rng=int", "truncated_normal", "glorot_uniform", "zeros",
            "Initializer glorot_uniform"} <= set(small["overhead_us"])
    assert all(us > 0 for us in small["overhead_us"].values())
    assert set(small["head_to_head"]) == {"zeros((768,))", "glorot_uniform((64, 64))"}
    assert small["head_to_head"]["zeros((768,))"]["peer"] == "numpy.zeros"
    params = [("w", (300, 64), "normal"), ("b", (64,), "zeros"), ("g", (64,), "ones")]
    res = bc.whole_model(1, params=params, name="tiny")
    assert res["tensors"] == 3 and res["values"] == 300 * 64 + 128
    assert res["winit_ms"] > 0 and (("torch_ms" in res) == bool(importlib.util.find_spec("torch")))
    gpt2 = bc.gpt2_small()
    assert len(gpt2) == 148 and 124e6 < sum(math.prod(s) for _, s, _ in gpt2) < 125e6


def test_bench_bad_level():
    assert_usage_error(run("bench", "--simd", "sse9", "--no-keras"), "unknown SIMD level")


@pytest.mark.parametrize("args, needle", [
    (["--epochs", "0"], "argument --epochs: must be a positive int; got '0'"),
    (["--epochs", "-1"], "argument --epochs: must be a positive int; got '-1'"),
    (["--backend", "theano"], "argument --backend: invalid choice: 'theano'"),
])
def test_demo_hostile_values(args, needle):
    assert_usage_error(run("demo", *args), needle)


def _need(*modules):
    """Skip unless installed -- without importing them (Keras would pick its backend)."""
    for m in modules:
        if importlib.util.find_spec(m) is None:
            pytest.skip(f"{m} is not installed")


def test_demo_out_is_a_file(tmp_path, monkeypatch):
    _need("keras", "sklearn", "jax")
    monkeypatch.setenv("KERAS_BACKEND", "jax")  # the demo pins it: restored after the test
    f = tmp_path / "f"
    f.write_text("")
    assert_usage_error(run("demo", "--backend", "jax", "--out", str(f)),
                       f"--out {str(f)!r} is not a directory")


@pytest.mark.parametrize("env, needle", [
    ("jaxx", "the Keras backend 'jaxx' (from KERAS_BACKEND) is not a Keras backend"),
    ("tensorflow", "the Keras backend 'tensorflow' (from KERAS_BACKEND) is not installed"),
])
def test_demo_with_an_unusable_backend(monkeypatch, env, needle):
    _need("keras", "sklearn")
    if env == "tensorflow" and importlib.util.find_spec("tensorflow") is not None:
        pytest.skip("tensorflow is installed")
    monkeypatch.setenv("KERAS_BACKEND", env)
    assert_env_error(run("demo"), needle, "pass --backend with an installed one")
    assert os.environ["KERAS_BACKEND"] == env  # not pinned when refused


@pytest.mark.parametrize("args", [["--sizes", "-1"], ["--sizes", "nan"], ["--sizes", "0"],
                                  ["--dtypes", "foo"], ["--dists", "foo"]])
def test_bench_hostile_values_give_one_line(args):
    r = run("bench", *args, "--no-keras", "--no-peers", "--threads", "1")
    assert r.returncode in (1, 2)
    _error_line(r)


@pytest.mark.parametrize("args, needle", [
    (["--sizes", "-1"], "--sizes"), (["--dtypes", "foo"], "--dtypes"),
    (["--dists", "foo"], "--dists"), (["--threads", "-1", "--sizes", "1000"], "--threads")])
def test_bench_hostile_values_are_usage_errors(args, needle):
    r = run("bench", *args, "--no-keras", "--no-peers")
    assert_usage_error(r, needle)


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
