"""docs/torch.md is run: its Python blocks in order in one namespace, and fsdp2_init.py
as two gloo ranks (the environment torchrun gives). The migration table names every
function of winit.torch and of torch.nn.init; the default-rules table names layers the
rules cover; the docstring examples of winit.torch run; the bench section runs (no
timing is asserted)."""
import doctest
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
from torch import nn

import winit
import winit.torch as wt

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "torch.md"
TEXT = DOC.read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, flags=re.DOTALL)
SCRIPTS = {m.group(1): b for b in BLOCKS if (m := re.match(r"# file: (\S+\.py)", b))}
INLINE = [b for b in BLOCKS if not b.startswith("# file:")]
INPLACE = ["uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_",
           "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
           "kaiming_normal_", "orthogonal_", "sparse_"]


def test_the_page_has_its_examples_and_is_in_the_toctree():
    assert set(SCRIPTS) == {"fsdp2_init.py"}
    assert len(INLINE) >= 4
    assert "\ntorch\n" in (ROOT / "docs" / "index.md").read_text()


def test_inline_examples(capsys):
    ns: dict = {}
    for block in INLINE:
        exec(compile(block, str(DOC), "exec"), ns)  # noqa: S102 -- the page's own code
    out = capsys.readouterr().out
    assert "InitReport(6 of 6 parameters initialized" in out
    assert "InitReport(52 of 52 parameters initialized" in out
    assert "init='winit.normal(std=0.02)'" in out


def test_fsdp2_script_two_gloo_ranks(tmp_path):
    """~10 s on 2 shared cores (two processes importing torch)."""
    pytest.importorskip("torch.distributed.fsdp")
    if not torch.distributed.is_available() or not torch.distributed.is_gloo_available():
        pytest.skip("no gloo backend")
    path = tmp_path / "fsdp2_init.py"
    path.write_text(SCRIPTS["fsdp2_init.py"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    procs = []
    for rank in range(2):
        env = dict(os.environ, RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE="2",
                   LOCAL_WORLD_SIZE="2", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port),
                   OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(
                       [str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
        procs.append(subprocess.Popen([sys.executable, str(path)], cwd=tmp_path, env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outs = []
    try:
        for p in procs:
            outs.append(p.communicate(timeout=240))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, (_, e) in zip(procs, outs):
        assert p.returncode == 0, e[-4000:]
    assert "sharded init equals the single-process init" in outs[0][0]


def _table(title: str) -> list[list[str]]:
    start = TEXT.index(title)
    block = TEXT[start:].split("\n\n")[0]
    return [[c.strip() for c in r.strip("|").split("|")] for r in block.splitlines()[2:]]


def test_migration_table_names_every_function():
    rows = _table("| `torch.nn.init` | `winit.torch` |")
    ours = {n for r in rows for n in re.findall(r"`(\w+)", r[1])}
    theirs = {n for r in rows for n in re.findall(r"`(\w+_?)\(", r[0])} | \
        {n for r in rows for n in re.findall(r"`(\w+)`", r[0])}
    assert set(INPLACE) | {"calculate_gain", "init_", "init_module"} <= ours
    public = {n for n in dir(nn.init) if n.endswith("_") and not n.startswith("_")} | \
        {"calculate_gain"}
    assert public <= theirs, public - theirs
    for name in INPLACE + ["calculate_gain", "init_", "init_module"]:
        assert callable(getattr(wt, name))
        assert name in wt.__all__
    for name in INPLACE:  # torch's parameters and defaults, in torch's order
        import inspect
        mine = inspect.signature(getattr(wt, name)).parameters
        ref = inspect.signature(getattr(nn.init, name)).parameters
        assert list(mine) == list(ref), name
        assert [p.default for p in mine.values()] == [p.default for p in ref.values()], name


def test_default_rules_table_names_covered_layers():
    rows = _table("| layer | parameters |")
    names = {n for r in rows for n in re.findall(r"`(\w+)", r[0])}
    assert {"Linear", "Embedding", "LayerNorm", "RMSNorm", "MultiheadAttention", "LSTM",
            "Transformer"} <= names
    for n in names:
        cls = getattr(nn, n.rstrip("*"), None) or getattr(nn, n.rstrip("*") + "2d", None)
        assert cls is not None, n


def test_docstring_examples_run():
    import winit.torch._functions as F
    res = doctest.testmod(F, extraglobs={"torch": torch, "winit": winit}, raise_on_error=True)
    assert res.attempted >= 4


def test_bench_section_runs(monkeypatch):
    from winit.torch import _bench
    monkeypatch.setattr(_bench, "gpt2_small", lambda quick: _bench._on_meta(
        _bench.GPT2, vocab=100, ctx=16, d=16, n_layer=2))
    monkeypatch.setattr(_bench, "llama", lambda quick: _bench._on_meta(
        _bench.Llama, vocab=100, d=16, n_layer=2, inter=24))
    lines: list[str] = []
    rows = _bench.section(threads=(1,), size=64, write=lines.append)
    cases = [r["case"].split(" ")[0] for r in rows]
    assert cases[:len(INPLACE)] == ["uniform_", "normal_", "trunc_normal_", "xavier_uniform_",
                                    "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
                                    "orthogonal_", "sparse_", "constant_", "ones_", "zeros_",
                                    "eye_", "dirac_"]
    assert cases[-2:] == ["GPT-2", "LLaMA-style"]
    assert all(r["winit_ms"] > 0 and r["torch_ms"] > 0 and r["ratio"] > 0 for r in rows)
    assert any("ratio" in ln for ln in lines)
    assert winit.get_num_threads() >= 1


def test_gpt2_small_has_124m_parameters_in_148_tensors():
    from winit.torch import _bench
    with torch.device("meta"):
        m = _bench.GPT2()
        big = _bench.Llama()
    params = list(m.parameters())
    assert len(params) == 148 and round(sum(p.numel() for p in params) / 1e6) == 124
    assert 0.9e9 < sum(p.numel() for p in big.parameters()) < 1.1e9
