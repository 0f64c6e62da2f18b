"""Distributed training: 2 gloo processes on 127.0.0.1 (torchrun) against 1 process with the same global batch."""
import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
import torch

import torchkeras as keras
from . import ddp_worker
from . import helpers
from torchkeras.trainers import distributed
from torchkeras.trainers.data_adapters.array_data_adapter import ArrayDataAdapter

HOOKED = helpers.trainer_has_distributed_hooks()
WORKER = os.path.join(os.path.dirname(__file__), "ddp_worker.py")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One torchrun launch with 2 processes, and the same work done by this single process."""
    if not torch.distributed.is_available() or not torch.distributed.is_gloo_available():
        pytest.skip("torch.distributed with the gloo backend is not available")
    root = tmp_path_factory.mktemp("ddp")
    two, one = root / "two", root / "one"
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    paths = [repo] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    env = dict(os.environ, TORCHKERAS_DEVICE="cpu", OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(paths))
    env.pop("WORLD_SIZE", None)
    command = [sys.executable, "-m", "torch.distributed.run", "--nnodes=1", "--nproc_per_node=2",
               "--master_addr=127.0.0.1", f"--master_port={free_port()}", WORKER, str(two)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    from torchkeras.backend.device import device_scope

    with device_scope("cpu"):
        ddp_worker.main(str(one))
    return {"two": two, "one": one, "stdout": result.stdout}


def weights(path):
    with np.load(path) as data:
        return [data[k] for k in sorted(data.files, key=lambda k: int(k.split("_")[1]))]


def record(path):
    with open(path) as f:
        return json.load(f)


def assert_same(a, b, **tolerance):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, **tolerance)


def test_two_processes_end_with_the_weights_of_one(runs):
    loop_two, loop_one = runs["two"] / "loop", runs["one"] / "loop"
    rank0, rank1 = weights(loop_two / "rank0.npz"), weights(loop_two / "rank1.npz")
    assert_same(rank0, rank1, rtol=0, atol=0)  # DDP keeps the replicas identical
    assert_same(rank0, weights(loop_one / "rank0.npz"), rtol=1e-5, atol=1e-6)
    seen = [record(loop_two / f"rank{r}.json") for r in (0, 1)]
    single = record(loop_one / "rank0.json")
    assert all(s["active"] for s in seen) and not single["active"]
    assert set(seen[0]["sizes"]) == {ddp_worker.GLOBAL_BATCH // 2}  # each process: half of the global batch
    assert set(single["sizes"]) == {ddp_worker.GLOBAL_BATCH}
    for logs in (seen[0]["logs"], seen[1]["logs"]):  # metrics are reduced across processes
        for mine, reference in zip(logs, single["logs"]):
            assert mine == pytest.approx(reference, rel=1e-5)


@pytest.mark.skipif(not HOOKED, reason="the trainer does not call torchkeras.trainers.distributed yet (see report)")
def test_fit_under_torchrun(runs):
    fit_two, fit_one = runs["two"] / "fit", runs["one"] / "fit"
    for suffix in ("", "_dataset", "_loader"):
        rank0 = weights(fit_two / f"rank0{suffix}.npz")
        assert_same(rank0, weights(fit_two / f"rank1{suffix}.npz"), rtol=0, atol=0)
        assert_same(rank0, weights(fit_one / f"rank0{suffix}.npz"), rtol=1e-5, atol=1e-6)
    seen = [record(fit_two / f"rank{r}.json") for r in (0, 1)]
    single = record(fit_one / "rank0.json")
    assert all(s["ddp"] for s in seen) and not single["ddp"]
    half = ddp_worker.GLOBAL_BATCH // 2
    for key in ("sizes", "dataset_sizes", "loader_sizes"):
        assert set(seen[0][key]) == set(seen[1][key]) == {half}
    for s in seen:
        for key, values in single["history"].items():  # train and validation metrics are global
            assert s["history"][key] == pytest.approx(values, rel=1e-5)
        assert s["evaluate"] == pytest.approx(single["evaluate"], rel=1e-5)  # 21 samples: no padding counted
    # Output from rank 0 only: one progress log, one checkpoint file.
    assert runs["stdout"].count("Epoch 1/2") == 1
    assert sorted(p.name for p in fit_two.glob("ckpt_*")) == ["ckpt_written_by_rank0.weights.h5"]


# --- the machinery without a process group ------------------------------------------------------------------
def sharded(rank, world_size=2, n=10, batch_size=4, shuffle=False, pad=True, seed=7):
    x = np.arange(n, dtype="float32")[:, None]
    adapter = ArrayDataAdapter(x, x, batch_size=batch_size, shuffle=shuffle)
    return distributed.ShardedArrayAdapter(adapter, rank, world_size, seed, pad=pad)


def samples(adapter):
    return [[int(v) for v in xb[:, 0]] for xb, _ in adapter.get_iterator()]


def test_array_shards_follow_distributed_sampler():
    assert samples(sharded(0)) == [[0, 2], [4, 6], [8]]
    assert samples(sharded(1)) == [[1, 3], [5, 7], [9]]
    # 3 processes: padded by wrapping around to 12 indices, 4 per process.
    shards = [samples(sharded(r, world_size=3, batch_size=6)) for r in range(3)]
    assert shards == [[[0, 3], [6, 9]], [[1, 4], [7, 0]], [[2, 5], [8, 1]]]
    assert sharded(0, world_size=3, batch_size=6).num_batches == 2
    # Without padding (evaluation) every sample appears once.
    assert [samples(sharded(r, world_size=3, batch_size=6, pad=False)) for r in range(3)] == [
        [[0, 3], [6, 9]], [[1, 4], [7]], [[2, 5], [8]]]


def test_shuffled_shards_share_one_order_per_epoch():
    first, second = sharded(0, shuffle=True), sharded(1, shuffle=True)
    epoch0 = [sorted(sum(samples(first), []) + sum(samples(second), []))]
    assert epoch0 == [list(range(10))]
    order0 = samples(first)
    first.on_epoch_end()
    assert samples(first) != order0  # a new permutation each epoch
    assert samples(sharded(0, shuffle=True)) == order0  # the same on every process (same seed, same epoch)


def test_uneven_global_batch_warns():
    with pytest.warns(UserWarning, match="not a multiple of the 2 processes"):
        adapter = sharded(0, batch_size=5)
    assert adapter.batch_size == 3


def test_everything_is_a_no_op_without_torchrun():
    assert distributed.initialize() is False and not distributed.is_active()
    assert distributed.rank() == 0 and distributed.world_size() == 1 and distributed.is_main_process()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    assert distributed.sync_metrics(model) is False
    callbacks = [keras.callbacks.History()]
    assert distributed.gate_callbacks(callbacks, 1) == (callbacks, 1)


def test_rank_gating_of_callbacks(monkeypatch, tmp_path):
    monkeypatch.setitem(distributed._state, "active", True)
    monkeypatch.setattr(distributed, "rank", lambda: 1)
    checkpoint = keras.callbacks.ModelCheckpoint(str(tmp_path / "m.weights.h5"), save_weights_only=True)
    early = keras.callbacks.EarlyStopping(patience=2)
    backup = keras.callbacks.BackupAndRestore(str(tmp_path / "backup"))
    csv = keras.callbacks.CSVLogger(str(tmp_path / "log.csv"))

    class Quiet(keras.callbacks.Callback):
        _rank_zero_only = True

    kept, verbose = distributed.gate_callbacks([checkpoint, early, backup, csv, Quiet()], 1)
    assert verbose == 0
    assert kept[0] is early and isinstance(kept[1], distributed.RestoreOnly) and kept[1].inner is backup
    assert len(kept) == 2
    monkeypatch.setattr(distributed, "rank", lambda: 0)
    assert distributed.gate_callbacks([checkpoint], 1) == ([checkpoint], 1)
