"""`torchkeras.distribute`: multi-process training with torch.distributed (DDP) under `torchrun`.

Start the script with `torchrun --nproc_per_node=N train.py` and call `initialize()` before building the
model; `model.fit` then trains with DistributedDataParallel (see `torchkeras.trainers.distributed` for the
details: global batch size, data sharding, metric reduction, rank-0 output).
"""
from torchkeras.trainers.distributed import initialize
from torchkeras.trainers.distributed import is_active
from torchkeras.trainers.distributed import is_main_process
from torchkeras.trainers.distributed import local_rank
from torchkeras.trainers.distributed import rank
from torchkeras.trainers.distributed import set_ddp_options
from torchkeras.trainers.distributed import shutdown
from torchkeras.trainers.distributed import world_size

__all__ = ["initialize", "is_active", "is_main_process", "local_rank", "rank", "set_ddp_options", "shutdown",
           "world_size"]
