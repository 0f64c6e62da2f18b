"""`keras.distribution`: Keras's distribution API on torch.distributed.

One process per device (start the script with `torchrun` or `srun`): `initialize()` joins the cluster,
`list_devices()` lists its devices, a `DeviceMesh` lays them out on named axes, and `set_distribution(...)`
chooses how variables and data are split: `DataParallel` (torch DDP) or `ModelParallel` (DTensor tensor
parallelism along the model axes, FSDP2 along the batch axis). Files stay ordinary Keras files: saving gathers
whole values (rank 0 writes), loading keeps each process's shard. See `distribution_lib` for the details.
"""
from torchkeras.distribution.devices import get_device_count
from torchkeras.distribution.devices import initialize
from torchkeras.distribution.devices import list_devices
from torchkeras.distribution.distribution_lib import DataParallel
from torchkeras.distribution.distribution_lib import Distribution
from torchkeras.distribution.distribution_lib import ModelParallel
from torchkeras.distribution.distribution_lib import distribute_tensor
from torchkeras.distribution.distribution_lib import distribution
from torchkeras.distribution.distribution_lib import set_distribution
from torchkeras.distribution.layout_map import LayoutMap
from torchkeras.distribution.mesh import DeviceMesh
from torchkeras.distribution.mesh import TensorLayout

__all__ = ["DataParallel", "DeviceMesh", "Distribution", "LayoutMap", "ModelParallel", "TensorLayout",
           "distribute_tensor", "distribution", "get_device_count", "initialize", "list_devices",
           "set_distribution"]
