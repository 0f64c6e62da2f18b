"""keras.distribution in one process: the API's objects and checks, the cluster environment, and that every
distribution is a no-op (the same script runs on a laptop)."""
import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import distribution as kd
from torchkeras.distribution import devices
from torchkeras.trainers import distributed


@pytest.fixture(autouse=True)
def no_distribution():
    yield
    kd.set_distribution(None)


def test_public_names():
    for name in ("DataParallel", "DeviceMesh", "LayoutMap", "ModelParallel", "TensorLayout", "distribute_tensor",
                 "distribution", "get_device_count", "initialize", "list_devices", "set_distribution"):
        assert getattr(keras.distribution, name) is getattr(kd, name)
    from torchkeras.api_export import get_exported

    assert get_exported("keras.distribution.ModelParallel") is kd.ModelParallel
    assert keras.distribute.ModelParallel is kd.ModelParallel  # the older torchkeras name still works


def test_one_process_lists_one_device():
    assert kd.list_devices() == ["cpu:0"]
    assert kd.list_devices("cpu") == ["cpu:0"] and kd.get_device_count() == 1
    with pytest.raises(ValueError, match="Unsupported device type"):
        kd.list_devices("tpu")
    assert kd.initialize() is None and not distributed.is_active()


def test_device_mesh():
    mesh = kd.DeviceMesh((2, 2), ["batch", "model"], [f"cpu:{i}" for i in range(4)])
    assert mesh.shape == (2, 2) and mesh.axis_names == ["batch", "model"] and mesh.axis_size("model") == 2
    assert mesh.devices.shape == (2, 2) and mesh.ranks().tolist() == [[0, 1], [2, 3]]
    assert repr(mesh) == "<DeviceMesh shape=(2, 2), axis_names=['batch', 'model']>"
    with pytest.raises(ValueError, match="Shape does not match the number of devices"):
        kd.DeviceMesh((3,), ["batch"], ["cpu:0", "cpu:1"])
    with pytest.raises(ValueError, match="Shape and axis_names should have same size"):
        kd.DeviceMesh((2,), ["batch", "model"], ["cpu:0", "cpu:1"])
    with pytest.raises(ValueError, match="cannot be empty"):
        kd.DeviceMesh((), [])
    with pytest.raises(ValueError, match="does not match the cluster: it has 4 devices"):
        mesh.check_world(2)
    with pytest.raises(ValueError, match="named '<type>:<rank>'"):
        kd.DeviceMesh((1,), ["batch"], ["gpu"]).ranks()


def test_tensor_layout():
    mesh = kd.DeviceMesh((1, 1), ["batch", "model"], ["cpu:0"])
    layout = kd.TensorLayout((None, "model"), mesh)
    from torch.distributed.tensor import Replicate, Shard

    assert layout.placements() == (Replicate(), Shard(1))
    assert layout.placements(["model"]) == (Shard(1),)
    with pytest.raises(ValueError, match="Invalid axis names"):
        kd.TensorLayout(("data",), mesh)
    with pytest.raises(ValueError, match="only one dimension"):
        kd.TensorLayout(("model", "model"))
    with pytest.raises(ValueError, match="does not split one dimension over several"):
        kd.TensorLayout((("batch", "model"), None))
    free = kd.TensorLayout((None,))
    free.device_mesh = mesh
    with pytest.raises(ValueError, match="Cannot override device mesh"):
        free.device_mesh = mesh


def test_layout_map_matches_paths_like_keras():
    mesh = kd.DeviceMesh((1, 1), ["batch", "model"], ["cpu:0"])
    layout_map = kd.LayoutMap(mesh)
    layout_map[".*dense.*kernel"] = (None, "model")
    layout_map[".*dense.*bias"] = ("model",)
    layout_map["exact/kernel"] = kd.TensorLayout(("model", None))
    assert layout_map["model/dense_1/kernel"].axes == (None, "model")
    assert layout_map["model/dense_1/kernel"].device_mesh is mesh
    assert layout_map["exact/kernel"].axes == ("model", None)
    assert layout_map["model/conv2d/kernel"] is None
    assert len(layout_map) == 3 and list(layout_map)[0] == ".*dense.*kernel"
    layout_map[".*kernel"] = (None, None)
    with pytest.raises(ValueError, match="matches multiple layout specification keys"):
        layout_map["model/dense_1/kernel"]
    with pytest.raises(ValueError, match="already exist in the LayoutMap"):
        layout_map[".*kernel"] = (None, None)
    with pytest.raises(ValueError, match="should be a TensorLayout type"):
        layout_map["x"] = "model"
    del layout_map[".*kernel"]
    assert layout_map.get("model/dense/kernel").axes == (None, "model")


def test_distribution_objects():
    mesh = kd.DeviceMesh((1,), ["data"], ["cpu:0"])
    data_parallel = kd.DataParallel(device_mesh=mesh)
    assert data_parallel.batch_dim_name == "data" and data_parallel.num_model_replicas == 1
    assert data_parallel.get_data_layout((8, 3)).axes == ("data", None)
    assert data_parallel.get_tensor_layout("x") is None and data_parallel.data_shard_id == 0
    assert kd.DataParallel().device_mesh.axis_names == ["batch"]
    with pytest.raises(ValueError, match="Expect `mesh` to be an instance of `DeviceMesh`"):
        kd.DataParallel(device_mesh="mesh")
    layout_map = kd.LayoutMap(kd.DeviceMesh((1, 1), ["batch", "model"], ["cpu:0"]))
    layout_map[".*kernel"] = (None, "model")
    model_parallel = kd.ModelParallel(layout_map=layout_map, batch_dim_name="batch")
    assert model_parallel.model_axes == ("model",) and model_parallel.fully_shard
    variable = keras.Variable(np.zeros((3, 4)), name="kernel")
    assert model_parallel.get_variable_layout(variable).axes == (None, "model")
    assert model_parallel.get_variable_layout(keras.Variable(np.zeros(4), name="bias")).axes == (None,)
    with pytest.raises(ValueError, match="You must specify a layout_map"):
        kd.ModelParallel()
    with pytest.raises(ValueError, match="must be a `LayoutMap`"):
        kd.ModelParallel(layout_map={})
    with pytest.raises(ValueError, match="`batch_dim_name` must be an axis"):
        kd.ModelParallel(layout_map=layout_map, batch_dim_name="data")
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        kd.ModelParallel(layout_map=layout_map, shard=True)
    with pytest.raises(ValueError, match="Expect `distribution` to be an instance"):
        kd.set_distribution("data_parallel")


def test_scope_and_global_distribution():
    data_parallel = kd.DataParallel()
    assert kd.distribution() is None
    with data_parallel.scope():
        assert kd.distribution() is data_parallel
    assert kd.distribution() is None
    kd.set_distribution(data_parallel)
    assert kd.distribution() is data_parallel


@pytest.mark.parametrize("which", ["data", "model"])
def test_one_process_distributions_are_no_ops(which):
    """The same script on one process: plain variables, the same training as without a distribution."""
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)

    def train():
        keras.utils.set_random_seed(2)
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, name="up"), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, y, batch_size=4, epochs=1, verbose=0)
        return model

    expected = train().get_weights()
    if which == "data":
        kd.set_distribution(kd.DataParallel())
    else:
        layout_map = kd.LayoutMap(kd.DeviceMesh((1, 1), ["batch", "model"], kd.list_devices()))
        layout_map[".*up/kernel"] = (None, "model")
        kd.set_distribution(kd.ModelParallel(layout_map=layout_map))
    model = train()
    assert all(type(v) is keras.Variable for v in model.weights)
    for a, b in zip(model.get_weights(), expected):
        np.testing.assert_array_equal(a, b)
    tensor = torch.ones(2, 3)
    assert kd.distribute_tensor(tensor, kd.TensorLayout((None, None), kd.DeviceMesh((1,), ["batch"]))) is tensor


def test_cluster_env_torchrun_slurm_and_keras(monkeypatch):
    for key in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "SLURM_NTASKS", "SLURM_PROCID",
                "SLURM_LOCALID", "SLURM_STEP_NODELIST", "SLURM_JOB_NODELIST", "SLURM_JOB_ID",
                "KERAS_DISTRIBUTION_JOB_ADDRESSES", "KERAS_DISTRIBUTION_NUM_PROCESSES",
                "KERAS_DISTRIBUTION_PROCESS_ID"):
        monkeypatch.delenv(key, raising=False)
    assert devices.cluster_env()["world_size"] is None and distributed.env_world_size() == 1
    monkeypatch.setenv("SLURM_NTASKS", "8")
    monkeypatch.setenv("SLURM_PROCID", "5")
    monkeypatch.setenv("SLURM_LOCALID", "1")
    monkeypatch.setenv("SLURM_STEP_NODELIST", "gpu[003-004,010]")
    monkeypatch.setenv("SLURM_JOB_ID", "123456")
    info = devices.cluster_env()
    assert info == {"world_size": 8, "rank": 5, "local_rank": 1, "master_addr": "gpu003",
                    "master_port": 20000 + 123456 % 20000}
    monkeypatch.setenv("MASTER_PORT", "4242")
    assert devices.cluster_env()["master_port"] == 4242
    monkeypatch.setenv("WORLD_SIZE", "2")  # torchrun's variables win over SLURM's
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("MASTER_ADDR", "10.0.0.9")
    info = devices.cluster_env()
    assert (info["world_size"], info["rank"], info["master_addr"]) == (2, 1, "10.0.0.9")
    monkeypatch.setenv("KERAS_DISTRIBUTION_JOB_ADDRESSES", "10.0.0.1:1234,10.0.0.2:2345")
    monkeypatch.setenv("KERAS_DISTRIBUTION_NUM_PROCESSES", "2")
    monkeypatch.setenv("KERAS_DISTRIBUTION_PROCESS_ID", "0")
    info = devices.cluster_env()
    assert (info["master_addr"], info["master_port"], info["rank"]) == ("10.0.0.1", 1234, 0)
    with pytest.raises(ValueError, match="has 2 jobs, but num_processes is 3"):
        devices.cluster_env(num_processes=3)
    assert devices.first_slurm_host("node7") == "node7"
    assert devices.first_slurm_host("a[09-12],b1") == "a09"


def test_initialize_needs_the_coordinator(monkeypatch):
    for key in ("WORLD_SIZE", "RANK", "MASTER_ADDR", "MASTER_PORT", "SLURM_NTASKS",
                "KERAS_DISTRIBUTION_JOB_ADDRESSES", "KERAS_DISTRIBUTION_PROCESS_ID"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("KERAS_DISTRIBUTION_NUM_PROCESSES", "2")
    with pytest.raises(ValueError, match="could not be found"):
        kd.initialize()
    with pytest.raises(ValueError, match="`process_id` must be in"):
        kd.initialize(job_addresses="127.0.0.1:1", num_processes=2, process_id=2)


class _Batches(keras.utils.PyDataset):
    def __init__(self, n=6, batch=4):
        super().__init__()
        self.n, self.batch = n, batch

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        x = np.arange(i * self.batch, (i + 1) * self.batch, dtype="float32")[:, None]
        return x, x


def _shard(index, count, shuffle=False, batch=4):
    from torchkeras.trainers.data_adapters.py_dataset_adapter import PyDatasetAdapter

    return distributed.ShardedPyDatasetAdapter(PyDatasetAdapter(_Batches(batch=batch), shuffle=shuffle), index,
                                               count, seed=3)


def test_pydataset_batches_are_split_between_data_shards():
    first = [x[:, 0].tolist() for x, _ in _shard(0, 2).get_iterator()]
    second = [x[:, 0].tolist() for x, _ in _shard(1, 2).get_iterator()]
    assert first[0] == [0, 1] and second[0] == [2, 3] and len(first) == 6
    a, b = _shard(0, 2, shuffle=True), _shard(1, 2, shuffle=True)
    order_a = [int(x[0, 0]) // 4 for x, _ in a.get_iterator()]
    order_b = [int(x[0, 0]) // 4 for x, _ in b.get_iterator()]
    assert order_a == order_b and sorted(order_a) == list(range(6))  # one shared order per epoch
    a.on_epoch_end()
    assert [int(x[0, 0]) // 4 for x, _ in a.get_iterator()] != order_a  # a new order each epoch
    with pytest.warns(UserWarning, match="not a multiple of the 3 data shards"):
        sizes = [len(x) for x, _ in _shard(2, 3, batch=4).get_iterator()]
    assert sizes == [2] * 6
    with pytest.raises(ValueError, match="fewer than the 5 data shards"):
        list(_shard(0, 5).get_iterator())


def test_callbacks_under_sharded_weights_keep_checkpoints(monkeypatch, tmp_path):
    monkeypatch.setitem(distributed._state, "active", True)
    monkeypatch.setattr(distributed, "rank", lambda: 1)
    monkeypatch.setattr(distributed, "_model_parallel", lambda: object())
    checkpoint = keras.callbacks.ModelCheckpoint(str(tmp_path / "m.weights.h5"), save_weights_only=True)
    backup = keras.callbacks.BackupAndRestore(str(tmp_path / "backup"))
    csv = keras.callbacks.CSVLogger(str(tmp_path / "log.csv"))
    kept, verbose = distributed.gate_callbacks([checkpoint, backup, csv], 1)
    assert verbose == 0 and kept[0] is checkpoint and len(kept) == 2
    assert isinstance(kept[1], distributed.RestoreAndJoinSaves) and kept[1].inner is backup
