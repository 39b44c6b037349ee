"""Sharded parameters (issue 16): DTensors with Shard/Replicate placements on a 1-D mesh
(2 and 4 ranks) and a 2-D mesh (4 ranks, uneven and empty shards), and models wrapped
with FSDP2 ``fully_shard`` (built on the CPU, and on the meta device then ``to_empty``),
are initialized rank by rank -- each rank generating only its local shard -- and the
gathered tensors equal the single-process init bit for bit. Each rank is a process on
the gloo backend (tests/_torch_dist_worker.py), with the environment torchrun gives."""
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch.distributed.tensor")
import torch.distributed as dist

if not dist.is_available() or not dist.is_gloo_available():
    pytest.skip("torch has no gloo backend here", allow_module_level=True)

WORKER = Path(__file__).with_name("_torch_dist_worker.py")
ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_ranks(world: int, timeout: float = 240) -> str:
    port = _free_port()
    procs = []
    for rank in range(world):
        env = dict(os.environ, RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world),
                   LOCAL_WORLD_SIZE=str(world), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port),
                   OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(
                       [str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
        procs.append(subprocess.Popen([sys.executable, str(WORKER)], env=env, cwd=ROOT,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outs = []
    try:
        for p in procs:
            o, e = p.communicate(timeout=timeout)
            outs.append((p.returncode, o, e))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for rank, (rc, o, e) in enumerate(outs):
        assert rc == 0, f"rank {rank} failed:\n{o[-2000:]}\n{e[-4000:]}"
    return "".join(o for _, o, _ in outs)


@pytest.mark.parametrize("world", [2, 4])
def test_dtensor_and_fsdp2_shards_equal_the_single_process_init(world):
    """~10 s (2 ranks) and ~20 s (4 ranks) on 2 shared cores."""
    out = run_ranks(world)
    for rank in range(world):
        assert f"OK rank {rank} fsdp2" in out
        assert f"OK rank {rank} generators" in out
        assert out.count(f"OK rank {rank} ") == (11 if world == 4 else 7) + 1
