"""docs/scale-out.md is run: its Python blocks in order in one namespace, and the blocks
that start with ``# file: NAME.py`` as scripts -- torch_shards.py as two gloo ranks on the
CPU (the environment torchrun gives), jax_shards.py (winit.jax's out_sharding) with 4 fake
CPU devices, cluster.py on
a LocalCluster (slow: tests/test_dask_cluster.py covers the cluster by default). The
shardable-scheme table and the quoted error match the code."""
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import winit

pytest.importorskip("dask.array")

DOC = Path(__file__).resolve().parents[1] / "docs" / "scale-out.md"
TEXT = DOC.read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, flags=re.DOTALL)
SCRIPTS = {m.group(1): b for b in BLOCKS if (m := re.match(r"# file: (\S+\.py)", b))}
INLINE = [b for b in BLOCKS if not b.startswith("# file:")]


def test_the_doc_has_its_examples():
    assert set(SCRIPTS) == {"torch_shards.py", "jax_shards.py", "cluster.py"}
    assert len(INLINE) >= 5


def test_inline_examples(tmp_path, monkeypatch, capsys):
    pytest.importorskip("zarr")
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    for block in INLINE:
        exec(compile(block, str(DOC), "exec"), ns)  # noqa: S102 -- the doc's own code
    out = capsys.readouterr().out
    assert "winit-glorot_normal" in out and "(2000,)" in out
    assert "[(slice(0, 4, None), slice(0, 3, None)), (slice(0, 4, None), slice(3, 6, None))]" in out


def run_script(tmp_path, name, env=None, n=1, timeout=300):
    path = tmp_path / name
    path.write_text(SCRIPTS[name])
    procs = []
    for rank in range(n):
        e = dict(os.environ, **(env or {}))
        if n > 1:
            e.update(RANK=str(rank), LOCAL_RANK=str(rank))
        procs.append(subprocess.Popen([sys.executable, str(path)], cwd=tmp_path, env=e,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outs = []
    for p in procs:
        try:
            o, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            raise
        assert p.returncode == 0, err[-3000:]
        outs.append(o)
    return "".join(outs)


def test_torch_distributed_recipe_two_gloo_ranks(tmp_path):
    """~10 s on an idle 2-core machine (two processes importing torch)."""
    pytest.importorskip("torch.distributed")
    with socket.socket() as s:  # a free port for the rendezvous
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {"WORLD_SIZE": "2", "LOCAL_WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1",
           "MASTER_PORT": str(port), "OMP_NUM_THREADS": "1"}
    out = run_script(tmp_path, "torch_shards.py", env=env, n=2)
    assert "2 ranks: the sharded tensor equals the one-call tensor bit for bit" in out


def test_jax_out_sharding_example(tmp_path):
    pytest.importorskip("jax")
    out = run_script(tmp_path, "jax_shards.py",
                     env={"XLA_FLAGS": "--xla_force_host_platform_device_count=4",
                          "JAX_PLATFORMS": "cpu"})
    assert "[(512, 384), (512, 384), (512, 384), (512, 384)]" in out


@pytest.mark.slow
def test_cluster_example(tmp_path):
    pytest.importorskip("distributed")
    out = run_script(tmp_path, "cluster.py")
    counts = eval(out.strip().splitlines()[-1])
    assert len(counts) == 2 and sum(counts) == 8


def test_shardable_table_matches_the_registry():
    table = TEXT[TEXT.index("| scheme | shardable"):].split("\n\n")[0]
    rows = [r for r in table.splitlines()[2:]]
    named = {}
    for r in rows:
        cells = [c.strip() for c in r.strip("|").split("|")]
        for n in re.findall(r"`(\w+?)(\*?)`", cells[0]):
            name, star = n
            names = [k for k in winit.SCHEMES if k.startswith(name)] if star else [name]
            for k in names:
                named[k] = cells[1].startswith("yes")
    assert named == {k: s.shardable for k, s in winit.SCHEMES.items()}


def test_quoted_region_error_is_the_real_one():
    quoted = re.search(r"    ValueError: (Argument `region` is not supported by orthogonal.*?)"
                       r"\.\.\.", TEXT, flags=re.DOTALL).group(1)
    quoted = " ".join(quoted.split())
    with pytest.raises(ValueError) as e:
        winit.orthogonal((4, 4), rng=1, region=(slice(0, 2),))
    assert str(e.value).startswith(quoted)
