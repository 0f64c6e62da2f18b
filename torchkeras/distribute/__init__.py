"""`torchkeras.distribute`: multi-process training with torch.distributed under `torchrun` (or `srun`).

Start the script with `torchrun --nproc_per_node=N train.py` and call `initialize()` before building the
model; `model.fit` then trains with DistributedDataParallel (see `torchkeras.trainers.distributed` for the
details: global batch size, data sharding, metric reduction, rank-0 output).

Keras's own API for this is `keras.distribution` (`torchkeras.distribution`): its names are available here
too (`DataParallel`, `ModelParallel`, `DeviceMesh`, `LayoutMap`, ...).
"""
from torchkeras.distribution import DataParallel
from torchkeras.distribution import DeviceMesh
from torchkeras.distribution import Distribution
from torchkeras.distribution import LayoutMap
from torchkeras.distribution import ModelParallel
from torchkeras.distribution import TensorLayout
from torchkeras.distribution import distribute_tensor
from torchkeras.distribution import distribution
from torchkeras.distribution import get_device_count
from torchkeras.distribution import list_devices
from torchkeras.distribution import set_distribution
from torchkeras.trainers.distributed import initialize
from torchkeras.trainers.distributed import is_active
from torchkeras.trainers.distributed import is_main_process
from torchkeras.trainers.distributed import local_rank
from torchkeras.trainers.distributed import rank
from torchkeras.trainers.distributed import set_ddp_options
from torchkeras.trainers.distributed import shutdown
from torchkeras.trainers.distributed import world_size

__all__ = ["DataParallel", "DeviceMesh", "Distribution", "LayoutMap", "ModelParallel", "TensorLayout",
           "distribute_tensor", "distribution", "get_device_count", "initialize", "is_active", "is_main_process",
           "list_devices", "local_rank", "rank", "set_ddp_options", "set_distribution", "shutdown", "world_size"]
