"""`keras.distribution`'s distributions on torch.distributed: `DataParallel` (DDP) and `ModelParallel`
(DTensor tensor parallelism along the model axes, FSDP2 along the batch axis).

Set one with `set_distribution(...)` (or `with distribution.scope():`) before creating the model, in a
script started on every process (`torchrun`, `srun`). With one process both are no-ops, so the same script
runs on a laptop.

- `DataParallel`: variables are replicated; `fit` trains with `DistributedDataParallel` (gradients averaged
  across processes), each process reading `batch_size / num_processes` samples of each global batch.
- `ModelParallel(layout_map=..., batch_dim_name=...)`: a variable whose layout (looked up by its path in the
  `LayoutMap`) names model axes is created as a DTensor split along them (tensor parallelism: its layer
  computes with DTensors and hands back whole activations); along the batch axis, the variables are fully
  sharded with FSDP2 (`torch.distributed.fsdp.fully_shard`; a layout naming the batch axis picks the
  dimension FSDP splits), or replicated with `ModelParallel(..., fully_shard=False)`. Each data shard (the
  processes at one position of the batch axis) reads `batch_size / mesh.shape[batch axis]` samples. A mesh
  with only a batch axis and an empty `LayoutMap` is plain FSDP2.
"""
import contextlib
import sys
import warnings

import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend.structure import VERSION as STRUCTURE_VERSION
from torchkeras.distribution import devices
from torchkeras.distribution import state
from torchkeras.distribution.dtensor_utils import is_dtensor, scale, whole, whole_values  # noqa: F401
from torchkeras.distribution.state import distribute_variable  # noqa: F401
from torchkeras.distribution.layout_map import LayoutMap
from torchkeras.distribution.mesh import DeviceMesh, TensorLayout

DEFAULT_BATCH_DIM_NAME = "batch"
_GLOBAL = state.GLOBAL  # the active distribution lives in `state`, which low-level code reads


class Distribution:
    """Base class of the distributions: a `DeviceMesh`, the name of its batch axis, and whether datasets are
    split between the processes automatically (`auto_shard_dataset`)."""

    def __init__(self, device_mesh, batch_dim_name=None, auto_shard_dataset=True):
        self._device_mesh = device_mesh
        self._batch_dim_name = batch_dim_name
        self._auto_shard_dataset = auto_shard_dataset
        self._num_processes = devices.num_processes()
        self._process_id = devices.process_id()
        self._is_multi_process = self._num_processes > 1

    @property
    def num_processes(self):
        """Total number of processes in the cluster."""
        return self._num_processes

    @property
    def num_model_replicas(self):
        """Number of model replicas (of data shards)."""
        raise NotImplementedError()

    @property
    def data_shard_id(self):
        """The data shard this process reads: its position along the batch axis of the mesh."""
        if not self._is_multi_process:
            return 0
        ranks = self._device_mesh.ranks()
        position = np.argwhere(ranks == self._process_id)
        if not len(position):
            return self._process_id
        axis = list(self._device_mesh.axis_names).index(self._batch_dim_name) if \
            self._batch_dim_name in self._device_mesh.axis_names else 0
        return int(position[0][axis])

    def get_data_layout(self, data_shape):
        raise NotImplementedError()

    def get_variable_layout(self, variable):
        raise NotImplementedError()

    def get_tensor_layout(self, path):
        raise NotImplementedError()

    @contextlib.contextmanager
    def scope(self):
        """Context manager to make the `Distribution` current."""
        original_scope = distribution()
        set_distribution(self)
        try:
            yield
        finally:
            set_distribution(original_scope)

    @property
    def device_mesh(self):
        return self._device_mesh

    @property
    def batch_dim_name(self):
        return self._batch_dim_name

    @property
    def auto_shard_dataset(self):
        return self._auto_shard_dataset

    @auto_shard_dataset.setter
    def auto_shard_dataset(self, auto_shard_dataset):
        self._auto_shard_dataset = auto_shard_dataset

    def distribute_dataset(self, dataset):
        """This process's share of `dataset`: a `torch.utils.data.DataLoader` gets a `DistributedSampler` over
        the data shards (its batch size becomes per shard). Other datasets are returned as they are when
        `auto_shard_dataset` is False or with one process; `fit` shards arrays and `PyDataset`s itself."""
        if not self._is_multi_process or not self.auto_shard_dataset:
            return dataset
        from torchkeras.trainers import distributed

        if isinstance(dataset, torch.utils.data.DataLoader):
            from torchkeras.trainers.data_adapters.torch_data_loader_adapter import TorchDataLoaderAdapter

            return distributed.shard_adapter(TorchDataLoaderAdapter(dataset), global_batch=True).loader
        raise ValueError(
            f"The dataset type {type(dataset)} is not supported for auto-sharding in multi-process setting. Pass "
            "arrays, a `keras.utils.PyDataset` or a `torch.utils.data.DataLoader` to `fit` (they are sharded "
            "automatically), or set `distribution.auto_shard_dataset = False` and shard the data yourself."
        )

    # --- torchkeras hooks ------------------------------------------------------------------------------
    def _activate(self):
        """Called by `set_distribution`: join the process group and build the torch mesh (on every process)."""
        if devices.num_processes() > 1:
            devices.initialize()
            self._num_processes = devices.num_processes()
            self._process_id = devices.process_id()
            self._is_multi_process = self._num_processes > 1
        if self._is_multi_process:
            self._device_mesh.backend_mesh  # noqa: B018 - created now, at the same point on every process

    def _distribute_variable(self, layer, variable):
        return variable

    def _data_shards(self):
        """`(index, count)` of this process's data shard."""
        return self.data_shard_id, self.num_model_replicas

    def __repr__(self):
        return f"<{self.__class__.__name__} device_mesh={self.device_mesh}>"

    def __str__(self):
        return self.__repr__()


@keras_export("keras.distribution.DataParallel")
class DataParallel(Distribution):
    """Distribution for data parallelism: the variables are replicated on every process and each process
    trains on its share of every global batch; gradients are averaged across processes by torch's
    `DistributedDataParallel`.

    Give either `device_mesh` (its first axis is the data axis) or `devices` (a 1D mesh over them); by default,
    a 1D mesh over `list_devices()`.

    Args:
        device_mesh: optional `DeviceMesh`.
        devices: optional list of devices.
        auto_shard_dataset: split the data between processes automatically (default). Set it to `False` when
            each process already reads its own shard.
    """

    def __init__(self, device_mesh=None, devices=None, auto_shard_dataset=True):
        if device_mesh:
            if not isinstance(device_mesh, DeviceMesh):
                raise ValueError(
                    "Expect `mesh` to be an instance of `DeviceMesh`. "
                    f"Received: mesh={device_mesh} (of type {type(device_mesh)})"
                )
            super().__init__(device_mesh, device_mesh.axis_names[0], auto_shard_dataset)
            if self.device_mesh.devices.ndim != 1:
                warnings.warn(
                    f"Expect the input mesh to be 1D, but received mesh.devices.ndim={device_mesh.devices.ndim}. "
                    "The first axis will be used for data-parallel sharding.",
                    stacklevel=2,
                )
        else:
            from torchkeras.distribution.devices import list_devices

            devices = np.array(devices if devices else list_devices())
            mesh = DeviceMesh(shape=devices.shape, axis_names=[DEFAULT_BATCH_DIM_NAME], devices=devices)
            super().__init__(mesh, DEFAULT_BATCH_DIM_NAME, auto_shard_dataset)

    @property
    def num_model_replicas(self):
        return self.device_mesh.devices.size

    def _data_shards(self):
        return self._process_id, self._num_processes

    def get_data_layout(self, data_shape):
        data_shard_spec = [None] * len(data_shape)
        data_shard_spec[0] = self.batch_dim_name
        return TensorLayout(data_shard_spec, self.device_mesh)

    def get_variable_layout(self, variable):
        if getattr(variable, "_layout", None) is not None:
            return variable._layout
        return TensorLayout([None] * len(variable.shape), self.device_mesh)

    def get_tensor_layout(self, path):
        return None

    def _activate(self):
        super()._activate()
        if self._is_multi_process:
            self._device_mesh.check_world(self._num_processes)


@keras_export("keras.distribution.ModelParallel")
class ModelParallel(Distribution):
    """Distribution that shards model variables (see the module docstring).

    ```python
    devices = keras.distribution.list_devices()            # e.g. 8 processes
    mesh = keras.distribution.DeviceMesh((2, 4), ("batch", "model"), devices)
    layout_map = keras.distribution.LayoutMap(mesh)
    layout_map[".*dense.*kernel"] = (None, "model")         # split the units over 4 processes
    layout_map[".*dense.*bias"] = ("model",)
    keras.distribution.set_distribution(
        keras.distribution.ModelParallel(layout_map=layout_map, batch_dim_name="batch"))
    model = make_model()                                     # after set_distribution
    ```

    Args:
        layout_map: `LayoutMap` from variable paths to layouts on its `DeviceMesh`.
        batch_dim_name: the mesh axis that splits the data (default: the mesh's first axis).
        auto_shard_dataset: split the data between data shards automatically (default).
        fully_shard: (torchkeras) along the batch axis, shard every variable with FSDP2 (default, ZeRO-3
            memory) or, with `False`, keep them replicated there (gradients all-reduced).
    """

    def __init__(self, *, layout_map=None, batch_dim_name=None, auto_shard_dataset=True, fully_shard=True,
                 **kwargs):
        kwargs.pop("device_mesh", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to ModelParallel: {sorted(kwargs)}")
        if layout_map is None:
            raise ValueError("You must specify a layout_map argument.")
        if not isinstance(layout_map, LayoutMap):
            raise ValueError(f"Argument `layout_map` must be a `LayoutMap` instance. Received: layout_map={layout_map}")
        device_mesh = layout_map.device_mesh
        batch_dim_name = batch_dim_name or device_mesh.axis_names[0]
        if batch_dim_name not in device_mesh.axis_names:
            raise ValueError(
                f"`batch_dim_name` must be an axis of the device mesh {list(device_mesh.axis_names)}. "
                f"Received: batch_dim_name={batch_dim_name!r}"
            )
        super().__init__(device_mesh, batch_dim_name, auto_shard_dataset)
        self._layout_map = layout_map
        self._fully_shard = bool(fully_shard)
        if self._is_multi_process and self.num_processes > self.num_model_replicas and \
                self.num_processes % self.num_model_replicas != 0:
            raise ValueError(
                "If `num_processes` is greater than `num_model_replicas`, `num_processes` must be divisible by "
                f"`num_model_replicas`. Got num_processes={self.num_processes}, "
                f"num_model_replicas={self.num_model_replicas}."
            )

    @property
    def num_model_replicas(self):
        return self.device_mesh.axis_size(self.batch_dim_name)

    @property
    def layout_map(self):
        return self._layout_map

    @property
    def fully_shard(self):
        return self._fully_shard

    def get_data_layout(self, data_shape):
        data_shard_spec = [None] * len(data_shape)
        data_shard_spec[0] = self.batch_dim_name
        return TensorLayout(data_shard_spec, self.device_mesh)

    def get_variable_layout(self, variable):
        if getattr(variable, "_layout", None) is not None:
            return variable._layout
        variable_layout = self._layout_map[variable.path]
        if variable_layout is not None:
            return variable_layout
        return TensorLayout([None] * len(variable.shape), self.device_mesh)

    def get_tensor_layout(self, path):
        return self._layout_map[path]

    # --- torchkeras: the torch side ---------------------------------------------------------------------
    @property
    def model_axes(self):
        """The mesh axes other than the batch axis (tensor parallelism)."""
        return tuple(a for a in self.device_mesh.axis_names if a != self.batch_dim_name)

    def model_mesh(self):
        """The torch sub-mesh of the model axes (None without model axes)."""
        axes = self.model_axes
        if not axes:
            return None
        return self.device_mesh.backend_mesh[axes if len(axes) > 1 else axes[0]]

    def batch_mesh(self):
        return self.device_mesh.backend_mesh[self.batch_dim_name]

    def _activate(self):
        super()._activate()
        if self._is_multi_process:
            self._device_mesh.check_world(self._num_processes)
            self.batch_mesh()
            self.model_mesh()

    def placements_for(self, variable, layout=None):
        """`(model-axis placements or None, FSDP shard dim or None)` of `variable`, checking its layout."""
        layout = layout if layout is not None else self.get_variable_layout(variable)
        shape = tuple(variable.shape)
        if len(layout.axes) != len(shape):
            raise ValueError(
                f"The layout {layout.axes} of variable '{variable.path}' has {len(layout.axes)} axes but the variable "
                f"has shape {shape} (rank {len(shape)}): give one mesh axis name (or None) per dimension."
            )
        for dim, axis in enumerate(layout.axes):
            if axis is None:
                continue
            size = self.device_mesh.axis_size(axis)
            if shape[dim] % size:
                raise ValueError(
                    f"The layout {layout.axes} of variable '{variable.path}' splits dimension {dim} (size "
                    f"{shape[dim]}) over the {size} devices of mesh axis '{axis}', but {size} does not divide "
                    f"{shape[dim]}. Choose a layout whose mesh axes divide the dimensions they split."
                )
        fsdp_dim = layout.axes.index(self.batch_dim_name) if self.batch_dim_name in layout.axes else None
        axes = self.model_axes
        if not axes or not any(a in axes for a in layout.axes if a is not None):
            return None, fsdp_dim
        return layout.placements(axes), fsdp_dim

    def _distribute_variable(self, layer, variable):
        from torchkeras.distribution import tensor_parallel

        layout = self.get_variable_layout(variable)
        placements, fsdp_dim = self.placements_for(variable, layout)
        variable._layout = layout
        variable._fsdp_dim = fsdp_dim
        variable._keras_distribution = self
        if placements is None and not tensor_parallel.is_adopted(layer):
            return variable
        return tensor_parallel.distribute(layer, variable, self, placements)


def _validate_distribution(value):
    if value is not None and not isinstance(value, Distribution):
        raise ValueError(
            f"Expect `distribution` to be an instance of `keras.distribution.Distribution`. Received: {value!r} "
            f"(of type {type(value)})"
        )


@keras_export("keras.distribution.distribution")
def distribution():
    """Retrieve the current distribution from global context."""
    return _GLOBAL["distribution"]


@keras_export("keras.distribution.set_distribution")
def set_distribution(value):
    """Set the distribution as the global distribution setting (before creating the model).

    Args:
        value: a `Distribution` instance, or None.
    """
    _validate_distribution(value)
    if value is not None:
        value._activate()
    _GLOBAL["distribution"] = value


@keras_export("keras.distribution.distribute_tensor")
def distribute_tensor(tensor, layout):
    """Give `tensor` the layout `layout`: a DTensor split over the layout's mesh (a plain tensor is taken as
    the whole value, the same on every process; a DTensor is redistributed). With one process, the tensor is
    returned unchanged.

    Args:
        tensor: a tensor.
        layout: a `TensorLayout` (with a mesh).
    """
    from torchkeras.backend.keras_tensor import KerasTensor

    if isinstance(tensor, KerasTensor):
        return tensor
    if not isinstance(layout, TensorLayout):
        raise ValueError(f"`layout` must be a `keras.distribution.TensorLayout`. Received: layout={layout!r}")
    if devices.num_processes() <= 1:
        return tensor
    from torch.distributed.tensor import DTensor
    from torch.distributed.tensor import distribute_tensor as torch_distribute_tensor

    mesh, placements = layout.backend_layout
    if isinstance(tensor, DTensor):
        return tensor.redistribute(mesh, placements)
    if not isinstance(tensor, torch.Tensor):
        tensor = torch.as_tensor(np.asarray(tensor))
    return torch_distribute_tensor(tensor, mesh, list(placements))


# --- hooks called by layers and the trainer ------------------------------------------------------------
def prepare_model(model):
    """Called by the trainer once the model is built (compile, fit, evaluate, predict): shard it along the
    batch axis under a multi-process `ModelParallel` (a no-op otherwise, and after the first time)."""
    current = _GLOBAL["distribution"]
    state = model.__dict__.get("_keras_fsdp")
    if state is not None and state["distribution"] is current:
        from torchkeras.distribution import fsdp

        fsdp.prepare(model, current)  # already done: checks that no weight was added since
        return
    if not getattr(model, "built", False):
        return
    checked = (STRUCTURE_VERSION[0], id(current))
    if model.__dict__.get("_prepared_for") == checked:
        return  # the same weights under the same distribution: checked already (predict calls this per batch)
    created = next((v._keras_distribution for v in model.variables if hasattr(v, "_keras_distribution")), None)
    if created is not None and created is not current:
        raise ValueError(
            f"The model '{model.name}' was created under {created}, but the distribution now is {current}. Its "
            "weights are laid out for the first one: train and evaluate it under it as well (call "
            "`keras.distribution.set_distribution(...)` once, or keep `fit`, `evaluate` and `predict` inside "
            "`distribution.scope()`)."
        )
    if isinstance(current, ModelParallel) and current._is_multi_process:
        from torchkeras.distribution import fsdp

        fsdp.prepare(model, current)
    else:
        model.__dict__["_prepared_for"] = checked


def variable_with_layout(variable, layout):
    """`keras.Variable(..., layout=...)`: the variable split over the layout's mesh (itself on one process)."""
    if not isinstance(layout, TensorLayout):
        raise ValueError(f"`layout` must be a `keras.distribution.TensorLayout`. Received: layout={layout!r}")
    if devices.num_processes() <= 1:
        return variable
    from torchkeras.distribution import sharded_variable

    if layout.device_mesh is None:
        raise ValueError("Cannot create sharding when device mesh is not set for TensorLayout.")
    mesh, placements = layout.backend_layout
    return sharded_variable.from_full(variable, mesh, placements)


state.register_hook("variable_with_layout", variable_with_layout)
