"""keras.distribution across processes: 2 and 4 gloo processes (torchrun on 127.0.0.1) against one process
training on the same global batches. One launch per process count runs every scenario (see dist_worker)."""
import json
import os
import re
import socket
import subprocess
import sys

import numpy as np
import pytest
import torch

from . import dist_worker

WORKER = os.path.join(os.path.dirname(__file__), "dist_worker.py")
KINDS = ("mlp", "conv", "mha", "lstm")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(n, out, suite, reference):
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    paths = [repo] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    env = dict(os.environ, TORCHKERAS_DEVICE="cpu", OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(paths),
               TORCH_CPP_LOG_LEVEL="ERROR")
    for key in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "SLURM_NTASKS",
                "KERAS_DISTRIBUTION_NUM_PROCESSES"):
        env.pop(key, None)
    command = [sys.executable, "-m", "torch.distributed.run", "--nnodes=1", f"--nproc_per_node={n}",
               "--master_addr=127.0.0.1", f"--master_port={free_port()}", WORKER, str(out), suite, str(reference)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-6000:]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    if not torch.distributed.is_available() or not torch.distributed.is_gloo_available():
        pytest.skip("torch.distributed with the gloo backend is not available")
    root = tmp_path_factory.mktemp("distribution")
    one, two, four = root / "one", root / "two", root / "four"
    from torchkeras.backend.device import device_scope

    with device_scope("cpu"):
        dist_worker.one(str(one))
    launch(2, two, "two", one)
    launch(4, four, "four", one)
    return {"one": one, 2: two, 4: four}


def weights(path):
    with np.load(path) as data:
        return [data[f"arr_{i}"] for i in range(len(data.files))]


def info(path):
    with open(path) as f:
        return json.load(f)


def ranks(runs, n, name, suffix="npz"):
    return [runs[n] / f"{name}.rank{r}.{suffix}" for r in range(n)]


def assert_close(a, b, rtol=1e-5, atol=1e-6):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol)


def check_training(runs, n, name, reference):
    """Every process ends with the one-process weights; logs and evaluation are global."""
    ref = weights(runs["one"] / f"{reference}.rank0.npz")
    ref_info = info(runs["one"] / f"{reference}.rank0.json")
    for path in ranks(runs, n, name):
        assert_close(weights(path), ref)
    for path in ranks(runs, n, name, "json"):
        record = info(path)
        for key, values in ref_info["history"].items():
            assert record["history"][key] == pytest.approx(values, rel=1e-5, abs=1e-6)
        assert record["evaluate"] == pytest.approx(ref_info["evaluate"], rel=1e-5, abs=1e-6)
        assert record["evaluate_uneven"] == pytest.approx(ref_info["evaluate_uneven"], rel=1e-5, abs=1e-6)
        assert record["count_params"] == ref_info["count_params"]


def replication(entry, n):
    """How many of the `n` processes hold each element of a variable: the mesh sizes it is replicated over,
    times the processes outside its (sub-)mesh (a whole variable is held by every process)."""
    if entry["placements"] is None:
        return None
    outside = n // int(np.prod(entry["mesh"]))
    return outside * int(np.prod([size for size, p in zip(entry["mesh"], entry["placements"]) if p == "Replicate()"]))


def check_holdings(runs, n, name, key):
    """Each sharded variable (or slot) is held once per replica: summed over the processes, the local
    elements are the whole variable times its replication; return the bytes each process holds."""
    records = [info(p) for p in ranks(runs, n, name, "json")]
    held = [sum(e["bytes"] for e in r[key]) for r in records]
    for entries in zip(*(r[key] for r in records)):
        first = entries[0]
        factor = replication(first, n)
        if factor is None:  # a whole variable on every process
            assert all(e["local"] == e["whole"] for e in entries)
            continue
        assert sum(e["local"] for e in entries) == first["whole"] * factor, first["path"]
    return held, sum(e["whole_bytes"] for e in records[0][key])


@pytest.mark.parametrize("kind", KINDS)
def test_data_parallel_matches_one_process(runs, kind):
    check_training(runs, 2, f"dp_{kind}", f"ref_{kind}")
    first, second = (weights(p) for p in ranks(runs, 2, f"dp_{kind}"))
    assert_close(first, second, rtol=0, atol=0)  # DDP keeps the replicas identical


@pytest.mark.parametrize("how", ["pydataset", "loader"])
def test_data_parallel_shards_pydataset_and_dataloader(runs, how):
    check_training(runs, 2, f"dp_mlp_{how}", f"ref_mlp_{how}")


@pytest.mark.parametrize("kind", KINDS)
def test_fully_sharded_matches_one_process(runs, kind):
    check_training(runs, 2, f"fsdp_{kind}", f"ref_{kind}")


@pytest.mark.parametrize("kind", KINDS)
def test_fully_sharded_ranks_hold_half(runs, kind):
    held, whole = check_holdings(runs, 2, f"fsdp_{kind}", "weights")
    assert all(h < whole for h in held) and sum(held) == whole  # FSDP: no replica of any trainable weight
    held, whole = check_holdings(runs, 2, f"fsdp_{kind}", "slots")
    assert sum(held) == whole  # the optimizer's slots are sharded like their variables
    entries = info(runs[2] / f"fsdp_{kind}.rank0.json")["weights"]
    assert all(e["placements"] == ["Shard(dim=0)"] for e in entries)


@pytest.mark.parametrize("optimizer", ["adamw_clip", "sgd_clip"])
def test_tensor_parallel_optimizers_with_decay_and_clipping(runs, optimizer):
    """A (1, 2) mesh: tensor parallelism only, so whole and sharded variables update side by side."""
    check_training(runs, 2, f"tp_mlp_{optimizer}", f"ref_mlp_{optimizer}")
    entries = {e["path"].split("/", 1)[1]: e for e in info(runs[2] / f"tp_mlp_{optimizer}.rank0.json")["weights"]}
    assert entries["up/kernel"]["placements"] == ["Shard(dim=1)"] and entries["head/kernel"]["placements"] is None
    check_holdings(runs, 2, f"tp_mlp_{optimizer}", "slots")


def test_global_clipnorm_over_fully_sharded_gradients(runs):
    check_training(runs, 4, "mp_mlp_adamw_clip", "ref_mlp_adamw_clip")


@pytest.mark.parametrize("kind", KINDS)
def test_model_parallel_2x2_matches_one_process(runs, kind):
    check_training(runs, 4, f"mp_{kind}", f"ref_{kind}")


@pytest.mark.parametrize("kind", KINDS)
def test_model_parallel_2x2_holdings(runs, kind):
    held, whole = check_holdings(runs, 4, f"mp_{kind}", "weights")
    assert max(held) < whole  # every process holds less than the whole model (FSDP splits along dim 0, unevenly
    # when the dimension is odd)
    check_holdings(runs, 4, f"mp_{kind}", "slots")
    entries = info(runs[4] / f"mp_{kind}.rank0.json")["weights"]
    for key in dist_worker.LAYOUTS[kind]:
        matched = [e for e in entries if re.fullmatch(".*" + key, e["path"])]
        assert matched, key
        for e in matched:  # split along the model axis (the second mesh axis) as the layout says
            assert e["placements"][1].startswith("Shard"), (key, e)


def test_model_parallel_replicated_batch_axis(runs):
    check_training(runs, 4, "mp_mlp_replicated", "ref_mlp")
    entries = info(runs[4] / "mp_mlp_replicated.rank0.json")["weights"]
    up = next(e for e in entries if e["path"].endswith("up/kernel"))
    assert up["placements"] == ["Replicate()", "Shard(dim=1)"]
    check_holdings(runs, 4, "mp_mlp_replicated", "weights")


def test_model_parallel_pydataset(runs):
    check_training(runs, 4, "mp_mlp_pydataset", "ref_mlp_pydataset")


@pytest.mark.parametrize("n, name", [(2, "fsdp_mlp"), (4, "mp_mlp"), (4, "mp_mha")])
def test_sharded_saves_are_ordinary_keras_files(runs, n, name):
    import torchkeras as keras

    gathered = weights(runs[n] / f"{name}.rank0.npz")
    gathered_optimizer = weights(runs[n] / f"{name}.optimizer.rank0.npz")
    model = keras.saving.load_model(runs[n] / f"{name}.keras")
    assert_close(model.get_weights(), gathered, rtol=0, atol=0)
    assert_close([v.numpy() for v in model.optimizer.variables], gathered_optimizer, rtol=0, atol=0)
    kind = name.split("_")[1]
    fresh = dist_worker.build(kind)
    fresh.load_weights(runs[n] / f"{name}.weights.h5")
    assert_close(fresh.get_weights(), gathered, rtol=0, atol=0)
    checkpoint = dist_worker.build(kind)  # ModelCheckpoint ran on every process; rank 0 wrote the last epoch
    checkpoint.load_weights(runs[n] / f"{name}.ckpt.weights.h5")
    assert_close(checkpoint.get_weights(), gathered, rtol=0, atol=0)
    assert not (runs[n] / f"{name}.backup").exists()  # BackupAndRestore removed its backup at the end
    leftovers = [p.name for p in runs[n].iterdir() if p.name.startswith(".") or p.suffix == ".tmp"]
    assert leftovers == []  # rank 0 wrote each file once, atomically


@pytest.mark.parametrize("n, name", [(2, "load_fsdp_mlp"), (4, "load_mp_mlp"), (4, "load_mp_mha")])
@pytest.mark.parametrize("source", ["weights", "keras"])
def test_loading_scatters_into_sharded_models(runs, n, name, source):
    kind = name.split("_")[-1]
    reference = weights(runs["one"] / f"ref_{kind}.rank0.npz")
    for path in ranks(runs, n, f"{name}_{source}"):
        assert_close(weights(path), reference, rtol=0, atol=0)
    if source == "keras":
        optimizer = weights(runs["one"] / f"ref_{kind}.optimizer.rank0.npz")
        assert_close(weights(runs[n] / f"{name}_{source}.optimizer.rank0.npz"), optimizer, rtol=0, atol=0)
    held, whole = check_holdings(runs, n, f"{name}_{source}", "weights")  # the loaded model is sharded
    assert max(held) < whole


def test_errors_say_what_is_wrong(runs):
    two = info(runs[2] / "errors.rank0.json")
    assert "does not match the cluster" in two["mesh"] and "2 processes" in two["mesh"]
    assert "does not divide" in two["divide"] and "head/kernel" in two["divide"]
    assert "created before the distribution was set" in two["late"]
    assert "was created under <ModelParallel" in two["outside"] and "distribution now is None" in two["outside"]
    four = info(runs[4] / "errors.rank0.json")
    assert "recurrent cell" in four["recurrent"]
    assert "convolution" in four["convolution"]
    for n in (2, 4):  # every process raised the same errors
        assert all(info(p) == info(runs[n] / "errors.rank0.json") for p in ranks(runs, n, "errors", "json"))


def test_variables_with_a_layout_and_distribute_tensor(runs):
    value = np.arange(12, dtype="float32").reshape(4, 3)
    for r, path in enumerate(ranks(runs, 2, "variables", "json")):
        record = info(path)
        assert record["type"] == "ShardedVariable" and record["is_variable"] and record["path"] == "standalone"
        assert record["local"] == [2, 3]  # each process holds half of the rows
        np.testing.assert_array_equal(record["whole"], value)
        np.testing.assert_array_equal(record["assigned"], value * 2)  # assign keeps each process's shard
        np.testing.assert_array_equal(record["added"], value * 2 + 1)
        shape, whole = record["distributed"]
        assert shape == [4, 2 - r]  # 3 columns over 2 processes: 2 and 1
        np.testing.assert_array_equal(whole, value)
