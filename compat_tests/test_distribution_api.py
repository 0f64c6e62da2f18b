"""keras.distribution: the same public names, signatures and lookup rules as real Keras 3."""
import inspect

import pytest

import torchkeras
from torchkeras import distribution as tk_distribution

keras = pytest.importorskip("keras")

NAMES = ["DataParallel", "DeviceMesh", "LayoutMap", "ModelParallel", "TensorLayout", "distribute_tensor",
         "distribution", "get_device_count", "initialize", "list_devices", "set_distribution"]


def test_same_public_names():
    public = sorted(n for n in dir(keras.distribution) if not n.startswith("_"))
    assert public == NAMES
    for name in NAMES:
        assert getattr(torchkeras.distribution, name) is getattr(tk_distribution, name)


@pytest.mark.parametrize("name", NAMES)
def test_same_signatures(name):
    theirs = inspect.signature(getattr(keras.distribution, name))
    ours = inspect.signature(getattr(tk_distribution, name))
    extra = {"fully_shard"} if name == "ModelParallel" else set()  # torchkeras's FSDP switch
    assert [p for p in ours.parameters if p not in extra] == list(theirs.parameters)
    for key, parameter in theirs.parameters.items():
        assert ours.parameters[key].default == parameter.default
        assert ours.parameters[key].kind == parameter.kind


def _lookups(module):
    mesh = module.DeviceMesh((1, 1), ["batch", "model"], ["cpu:0"])
    layout_map = module.LayoutMap(mesh)
    layout_map[".*dense.*kernel"] = (None, "model")
    layout_map[".*dense.*bias"] = ("model",)
    layout_map["exact/kernel"] = module.TensorLayout(("model", None))
    out = []
    for path in ("model/dense_1/kernel", "dense/bias", "exact/kernel", "model/conv2d/kernel"):
        layout = layout_map[path]
        out.append(None if layout is None else (layout.axes, layout.device_mesh is mesh))
    layout_map[".*kernel"] = (None, None)
    with pytest.raises(ValueError) as error:
        layout_map["model/dense_1/kernel"]
    out.append(str(error.value))
    distribution = module.ModelParallel(layout_map=layout_map, batch_dim_name="batch")
    out.append((distribution.batch_dim_name, distribution.num_model_replicas, distribution.data_shard_id,
                distribution.get_data_layout((8, 3)).axes, distribution.get_tensor_layout("dense/bias").axes))
    data_parallel = module.DataParallel(devices=["cpu:0"])
    out.append((data_parallel.batch_dim_name, data_parallel.num_model_replicas,
                data_parallel.device_mesh.axis_names, data_parallel.get_data_layout((4, 2)).axes))
    return out


def test_same_lookups_and_layouts():
    assert _lookups(tk_distribution) == _lookups(keras.distribution)


@pytest.mark.parametrize("case", ["mesh_devices", "mesh_axes", "layout_axes", "no_layout_map"])
def test_same_error_messages(case):
    def message(module):
        with pytest.raises(ValueError) as error:
            if case == "mesh_devices":
                module.DeviceMesh((3,), ["batch"], ["cpu:0", "cpu:1"])
            elif case == "mesh_axes":
                module.DeviceMesh((2,), ["batch", "model"], ["cpu:0", "cpu:1"])
            elif case == "layout_axes":
                module.TensorLayout(("data",), module.DeviceMesh((1,), ["batch"], ["cpu:0"]))
            else:
                module.ModelParallel()
        return str(error.value)

    assert message(tk_distribution) == message(keras.distribution)
