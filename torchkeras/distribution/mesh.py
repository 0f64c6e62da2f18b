"""`keras.distribution.DeviceMesh` and `TensorLayout`, mapped onto torch's `DeviceMesh` and DTensor placements.

A Keras device `"cpu:3"` or `"gpu:3"` is the process of rank 3 (one device per process), so a `DeviceMesh`
is a torch `DeviceMesh` over the ranks laid out in `shape`, with `axis_names` as its dimension names. A
`TensorLayout(axes)` gives, for each tensor dimension, the mesh axis it is split along (or None); in torch's
terms, each mesh dimension places the tensor as `Shard(dim)` or `Replicate()`.
"""
import math

import numpy as np

from torchkeras.api_export import keras_export


def device_rank(device):
    """The process rank of a Keras device name (`"gpu:3"` -> 3)."""
    name = str(device)
    kind, _, index = name.rpartition(":")
    if not kind or not index.isdigit():
        raise ValueError(
            f"Invalid device {device!r}: torchkeras devices are named '<type>:<rank>', e.g. 'gpu:0' or 'cpu:3' "
            "(see `keras.distribution.list_devices()`)."
        )
    return int(index)


def device_kind(device):
    return str(device).rpartition(":")[0].lower()


@keras_export("keras.distribution.DeviceMesh")
class DeviceMesh:
    """A cluster of computation devices for distributed computation.

    Args:
        shape: tuple of integers, the shape of the mesh, e.g. `(8,)` for data parallelism only, or `(4, 2)`
            for data and model parallelism.
        axis_names: the name of each axis of the mesh (used by `TensorLayout` and the distributions).
        devices: optional list of devices. Defaults to `keras.distribution.list_devices()`: one device per
            process of the cluster.
    """

    def __init__(self, shape, axis_names, devices=None):
        if not shape or not axis_names:
            raise ValueError(
                f"Shape and axis_names cannot be empty. Received: shape={shape}, axis_names={axis_names}"
            )
        if len(shape) != len(axis_names):
            raise ValueError(
                f"Shape and axis_names should have same size. Received: shape={shape}, axis_names={axis_names}"
            )
        if devices is None:
            from torchkeras.distribution.devices import list_devices

            devices = list_devices()
        devices = np.array(devices)
        if math.prod(shape) != math.prod(devices.shape):
            raise ValueError(
                f"Shape does not match the number of devices. Received: shape={shape}; "
                f"devices.shape={devices.shape}"
            )
        if len(set(axis_names)) != len(axis_names):
            raise ValueError(f"The mesh axis names must be unique. Received: axis_names={axis_names}")
        self._shape = shape
        self._axis_names = axis_names
        self._devices = np.reshape(devices, shape)

    @property
    def shape(self):
        return self._shape

    @property
    def axis_names(self):
        return self._axis_names

    @property
    def devices(self):
        return self._devices

    def axis_size(self, name):
        return int(self._shape[list(self._axis_names).index(name)])

    def ranks(self):
        """The process rank of every device, in the mesh's shape."""
        return np.vectorize(device_rank, otypes=[np.int64])(self._devices)

    def check_world(self, world_size):
        """Raise unless the mesh holds each of the `world_size` processes exactly once."""
        ranks = sorted(int(r) for r in self.ranks().reshape(-1))
        if ranks != list(range(world_size)):
            raise ValueError(
                f"The device mesh {self} does not match the cluster: it has {len(ranks)} devices "
                f"(ranks {ranks}) but {world_size} processes are running, and torchkeras needs one device per "
                f"process, each exactly once. Build the mesh from `keras.distribution.list_devices()` with a shape "
                f"whose product is {world_size}."
            )

    @property
    def backend_mesh(self):
        """The torch `DeviceMesh` over the cluster's processes (created once; every process must create it)."""
        mesh = self.__dict__.get("_backend_mesh")
        if mesh is None:
            import torch
            import torch.distributed as dist
            from torch.distributed.device_mesh import DeviceMesh as TorchDeviceMesh

            from torchkeras.distribution.devices import torch_device_type

            if not (dist.is_available() and dist.is_initialized()):
                raise ValueError(
                    "The device mesh needs the process group: call `keras.distribution.initialize()` first (under "
                    "`torchrun` or `srun`)."
                )
            self.check_world(dist.get_world_size())
            kind = device_kind(self._devices.reshape(-1)[0])
            mesh = TorchDeviceMesh(torch_device_type(kind), torch.as_tensor(self.ranks()),
                                   mesh_dim_names=tuple(self._axis_names))
            self.__dict__["_backend_mesh"] = mesh
        return mesh

    def __repr__(self):
        return f"<{self.__class__.__name__} shape={self.shape}, axis_names={self.axis_names}>"

    def __str__(self):
        return self.__repr__()


@keras_export("keras.distribution.TensorLayout")
class TensorLayout:
    """A layout to apply to a tensor: for each dimension, the mesh axis it is split along.

    Args:
        axes: tuple of mesh axis names (or None for a dimension that is not split), one per tensor dimension.
        device_mesh: optional `DeviceMesh`; the layout is complete once it has one.
    """

    def __init__(self, axes, device_mesh=None):
        self._axes = tuple(axes)
        self._device_mesh = device_mesh
        self._validate_axes()

    @property
    def axes(self):
        return self._axes

    @property
    def device_mesh(self):
        return self._device_mesh

    @device_mesh.setter
    def device_mesh(self, device_mesh):
        if self._device_mesh is not None:
            raise ValueError(f"Cannot override device mesh value. Existing value is {self._device_mesh}")
        self._device_mesh = device_mesh
        self._validate_axes()

    @property
    def backend_layout(self):
        """`(torch DeviceMesh, placements)`: one `Shard(dim)`/`Replicate()` per mesh axis."""
        if self._device_mesh is None:
            raise ValueError("Cannot create sharding when device mesh is not set for TensorLayout.")
        return self._device_mesh.backend_mesh, self.placements()

    def placements(self, mesh_axes=None):
        """The torch placements of this layout over `mesh_axes` (default: all the mesh's axes)."""
        from torch.distributed.tensor import Replicate, Shard

        if self._device_mesh is None:
            raise ValueError("Cannot create sharding when device mesh is not set for TensorLayout.")
        names = list(self._device_mesh.axis_names if mesh_axes is None else mesh_axes)
        return tuple(Shard(self._axes.index(name)) if name in self._axes else Replicate() for name in names)

    def _validate_axes(self):
        for axis in self._axes:
            if axis is not None and not isinstance(axis, str):
                raise ValueError(
                    f"Each entry of a TensorLayout's axes must be a mesh axis name or None; torchkeras does not "
                    f"split one dimension over several mesh axes. Received: axes={self._axes}"
                )
        named = [a for a in self._axes if a is not None]
        if len(set(named)) != len(named):
            raise ValueError(f"A mesh axis can split only one dimension of a tensor. Received: axes={self._axes}")
        if self._device_mesh:
            valid_axis_names = set(self._device_mesh.axis_names)
            axis_names = set(self._axes) - {None}
            if axis_names - valid_axis_names:
                raise ValueError(
                    f"Invalid axis names for Layout. Valid axis names: {valid_axis_names}, Got {axis_names}"
                )

    def __repr__(self):
        return f"<{self.__class__.__name__} axes={self.axes}, device_mesh={self.device_mesh}>"

    def __str__(self):
        return self.__repr__()
