"""`fit` under `torchrun`: DistributedDataParallel training on torch.distributed.

When the process was started by `torchrun --nproc_per_node=N` (the environment holds `WORLD_SIZE > 1`,
`RANK`, `LOCAL_RANK`, `MASTER_ADDR`, `MASTER_PORT`), `fit`:
- joins the process group (`nccl` on CUDA, `gloo` on CPU) and puts each process on its GPU (`LOCAL_RANK`);
- runs the training forward pass through `torch.nn.parallel.DistributedDataParallel`, which averages the
  gradients across processes during `backward` (DDP also broadcasts rank 0's weights when it is created, so
  every process starts from the same model);
- gives each process its shard of the data: arrays and map-style Datasets are split like
  `DistributedSampler` does (the same permutation on every process, padded to a multiple of N, process r
  taking every N-th sample from r), and `batch_size` is the *global* batch size: each process gets
  `batch_size / N` samples per step, so N processes take the same steps as one process with the whole batch.
  A DataLoader keeps its own (per-process) batch size; one without a `DistributedSampler` gets one;
- sums the metric states across processes at the end of each epoch (Keras metric variables aggregate by
  sum), so the logs are global; non-trainable float weights (BatchNormalization moving statistics) are
  averaged at the same time, so every process holds the same model;
- runs output-only callbacks (progress bar, ModelCheckpoint, TensorBoard, CSVLogger, RemoteMonitor) on rank
  0 only; BackupAndRestore restores on every process but writes from rank 0 only.

Under `keras.distribution` (see `torchkeras.distribution`) the same hooks follow the active distribution:
with `ModelParallel`, the data is split between the data shards (the positions along the mesh's batch axis),
the training forward runs the FSDP-sharded model itself (no DDP wrapper), metrics are summed over the data
shards only, and checkpoint callbacks run on every process because saving sharded weights is collective
(rank 0 writes). A `PyDataset`'s batches are global batches: each data shard takes its slice of each.

Outside torchrun (or with one process) every function here is a no-op, so the trainer calls them always.
"""
import math
import os
import warnings

import torch
import torch.distributed as dist

from torchkeras.backend import device as device_lib
from torchkeras.callbacks.callback import Callback

_state = {"active": False, "seed": None, "ddp_kwargs": {}, "generation": 0, "warned_iterables": False}


# --- process group --------------------------------------------------------------------------------------
def env_world_size():
    """The number of processes the environment describes (torchrun's `WORLD_SIZE`, SLURM's `SLURM_NTASKS`,
    Keras's `KERAS_DISTRIBUTION_NUM_PROCESSES`; 1 when none is set)."""
    from torchkeras.distribution import devices

    try:
        return devices.cluster_env()["world_size"] or 1
    except ValueError:
        return 1


def initialize(backend=None, timeout=None):
    """Join the process group described by the environment (torchrun, SLURM or Keras's variables), once.
    Returns True when training is distributed (more than one process).

    `backend` defaults to `nccl` when CUDA is available, else `gloo`. On CUDA each process uses the GPU
    `LOCAL_RANK` (and torchkeras creates its variables there).
    """
    if not dist.is_available():
        return False
    if not dist.is_initialized():
        if env_world_size() <= 1:
            return False
        from torchkeras.distribution import devices

        devices.export_env(devices.cluster_env())  # SLURM's or Keras's variables, in torchrun's names
        missing = [k for k in ("RANK", "MASTER_ADDR", "MASTER_PORT") if k not in os.environ]
        if missing:
            raise ValueError(
                f"WORLD_SIZE={env_world_size()} but the environment lacks {missing}: start the script with "
                "`torchrun --nproc_per_node=N script.py` (or `srun`), or call `torch.distributed.init_process_group` "
                "yourself."
            )
        use_cuda = torch.cuda.is_available() and device_lib.get_device().type == "cuda"
        backend = backend or ("nccl" if use_cuda else "gloo")
        kwargs = {"backend": backend}
        if timeout is not None:
            kwargs["timeout"] = timeout
        if use_cuda:
            torch.cuda.set_device(local_rank())
        dist.init_process_group(**kwargs)
    if dist.get_world_size() <= 1:
        return False
    if torch.cuda.is_available() and device_lib.get_device().type == "cuda":
        device = torch.device("cuda", local_rank())
        torch.cuda.set_device(device)
        device_lib.set_device(device)
    if not _state["active"]:
        _state["active"] = True
        _state["seed"] = _shared_seed()
    return True


def is_active():
    """True once `initialize` found more than one process (cheap: read on every training step)."""
    return _state["active"]


def rank():
    return dist.get_rank() if dist.is_available() and dist.is_initialized() else 0


def world_size():
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def local_rank():
    try:
        return int(os.environ.get("LOCAL_RANK", "0"))
    except ValueError:
        return 0


def is_main_process():
    """True on rank 0 (and when not distributed): the process that prints and writes files."""
    return rank() == 0


def set_ddp_options(**kwargs):
    """Extra `DistributedDataParallel` arguments, e.g. `find_unused_parameters=True` for models with trainable
    weights that some steps do not use. Takes effect when the DDP wrapper is (re)built."""
    _state["ddp_kwargs"] = dict(kwargs)
    _state["generation"] += 1


def shutdown():
    """Leave the process group and forget the distributed state (DDP wrappers are rebuilt if training is
    distributed again)."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
    _state.update(active=False, seed=None, generation=_state["generation"] + 1)


def _shared_seed():
    """Rank 0's torch seed, sent to every process: the seed of the shared shuffling order (reproducible with
    `keras.utils.set_random_seed`, and drawing nothing from the random stream)."""
    seed = torch.tensor([torch.initial_seed() % (2**63 - 1)], dtype=torch.int64, device=_collective_device())
    dist.broadcast(seed, src=0)
    return int(seed.item())


def _collective_device():
    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


# --- the model ------------------------------------------------------------------------------------------
class _TrainingForward(torch.nn.Module):
    """The module DDP wraps: the model's training forward pass (Keras's call path, `training=True`)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        from torchkeras.layers.layer import call_signature_info

        if call_signature_info(self.model)[0]:
            return torch.nn.Module.__call__(self.model, x, training=True)
        return torch.nn.Module.__call__(self.model, x)


def ddp_module(model):
    """The DistributedDataParallel wrapper of `model` (built on first use, rebuilt if the set of trainable
    weights changed)."""
    from torchkeras.layers.layer import structure_version

    key = (structure_version(), _state["generation"])
    cached = model.__dict__.get("_ddp_wrapper")
    if cached is not None and cached[0] == key:
        return cached[1]
    device = next((p.device for p in model.parameters()), device_lib.get_device())
    kwargs = dict(_state["ddp_kwargs"])
    if device.type == "cuda" and device.index is not None and device.index != torch.cuda.current_device():
        raise ValueError(
            f"Distributed training: this process (LOCAL_RANK={local_rank()}) uses cuda:{torch.cuda.current_device()} "
            f"but the model's weights are on {device}. Call `torchkeras.distribute.initialize()` at the start of the "
            "script, before building the model, so that each process creates its weights on its own GPU."
        )
    if device.type == "cuda":
        kwargs.setdefault("device_ids", [device.index if device.index is not None else torch.cuda.current_device()])
    wrapper = torch.nn.parallel.DistributedDataParallel(_TrainingForward(model), **kwargs)
    model.__dict__["_ddp_wrapper"] = (key, wrapper)
    return wrapper


def ddp_forward(model, x):
    """The training forward pass through DDP, so that `backward` averages the gradients across processes.

    Under a multi-process `keras.distribution.ModelParallel` the model is sharded with FSDP2 instead (its own
    hooks reduce the gradients): the forward runs the model itself."""
    if _model_parallel() is not None:
        from torchkeras.distribution import distribution_lib
        from torchkeras.layers.layer import Layer

        distribution_lib.prepare_model(model)
        return Layer.__call__(model, x, training=True)
    return ddp_module(model)(x)


def _distribution():
    """The active `keras.distribution` distribution when it spans several processes, else None."""
    from torchkeras.distribution import distribution_lib

    current = distribution_lib.distribution()
    return current if current is not None and current._is_multi_process else None


def _model_parallel():
    from torchkeras.distribution import distribution_lib

    current = _distribution()
    return current if isinstance(current, distribution_lib.ModelParallel) else None


def data_shards():
    """`(index, count)`: which of the data shards this process reads (its rank among all processes, or its
    position along a `ModelParallel` mesh's batch axis)."""
    current = _distribution()
    if current is not None:
        return current._data_shards()
    return rank(), world_size()


def _reduce_group():
    """The processes holding different data (whose metric states add up): all of them, or a `ModelParallel`
    mesh's batch axis."""
    current = _model_parallel()
    return current.batch_mesh().get_group(0) if current is not None else None


def _reduce_size():
    return data_shards()[1]


# --- data -----------------------------------------------------------------------------------------------
def shard(iterator, source=None, training=True):
    """Give this process its shard of an `EpochIterator`'s data (a no-op when not distributed).

    `source` is the `x` given to fit/evaluate: for arrays and map-style Datasets `batch_size` is the global
    batch size. For training, array shards are padded to equal sizes (every process must take the same
    number of steps); for evaluation they are not, so each sample counts exactly once in the metrics.
    """
    if not _state["active"] or getattr(iterator, "_sharded", False):
        return iterator
    current = _distribution()
    if current is not None and not current.auto_shard_dataset:
        return iterator
    global_batch = isinstance(source, torch.utils.data.Dataset)
    iterator.adapter = shard_adapter(iterator.adapter, global_batch=global_batch, pad=training)
    iterator._sharded = True
    return iterator


def shard_adapter(adapter, global_batch=False, pad=True):
    from torchkeras.trainers.data_adapters.array_data_adapter import ArrayDataAdapter
    from torchkeras.trainers.data_adapters.torch_data_loader_adapter import TorchDataLoaderAdapter

    from torchkeras.trainers.data_adapters.py_dataset_adapter import PyDatasetAdapter

    index, count = data_shards()
    if count <= 1:
        return adapter
    if isinstance(adapter, ArrayDataAdapter):
        current = _model_parallel()
        collective = current is not None and current.num_model_replicas > 1
        return ShardedArrayAdapter(adapter, index, count, _state["seed"] or 0, pad=pad, even_batches=collective)
    if isinstance(adapter, TorchDataLoaderAdapter):
        return _shard_loader_adapter(adapter, global_batch)
    if isinstance(adapter, PyDatasetAdapter):
        return ShardedPyDatasetAdapter(adapter, index, count, _state["seed"] or 0)
    if not _state["warned_iterables"]:
        warnings.warn(
            f"Distributed training: data of type {type(adapter).__name__} cannot be sharded automatically, so every "
            "process reads all of it. Shard it yourself (e.g. a DataLoader with a DistributedSampler).",
            stacklevel=3,
        )
        _state["warned_iterables"] = True
    return adapter


class ShardedArrayAdapter:
    """This process's share of an `ArrayDataAdapter`: DistributedSampler's split of the sample indices,
    batched with the per-process batch size `ceil(batch_size / world_size)`. With `pad`, the indices are
    padded (wrapping around) to a multiple of the number of processes, so that every shard has the same
    size. With `even_batches` (unpadded evaluation of a model sharded along the batch axis, whose forward
    passes are collectives), every shard splits its samples into the same number of batches."""

    def __init__(self, adapter, rank, world_size, seed, pad=True, even_batches=False):
        self.base = adapter
        self.rank = rank
        self.world_size = world_size
        self.seed = seed
        self.epoch = 0
        self.device = adapter.device
        self.global_batch_size = adapter.batch_size
        self.batch_size = max(1, math.ceil(adapter.batch_size / world_size))
        if adapter.batch_size % world_size:
            warnings.warn(
                f"Distributed training: the batch size {adapter.batch_size} is not a multiple of the {world_size} "
                f"processes; each process uses batches of {self.batch_size}.",
                stacklevel=4,
            )
        self.pad = pad
        n = adapter.num_samples
        self.num_samples = math.ceil(n / world_size) if pad else len(range(rank, n, world_size))
        self.num_batches = math.ceil(self.num_samples / self.batch_size) if self.num_samples else 0
        self.even_batches = even_batches and not pad
        if self.even_batches:
            self.num_batches = math.ceil(math.ceil(n / world_size) / self.batch_size)
            if self.num_samples < self.num_batches:
                raise ValueError(
                    f"Distributed evaluation: {n} samples cannot be split into {self.num_batches} batches on each of "
                    f"the {world_size} data shards (the model is sharded, so every shard must run as many batches "
                    "as the others). Evaluate on more samples or with a smaller batch size."
                )
        self.shuffle = adapter.shuffle

    def local_indices(self):
        """The sample indices of this process for the current epoch (every process computes the same order)."""
        n = self.base.num_samples
        if self.shuffle and self.shuffle != "batch":
            generator = torch.Generator().manual_seed(self.seed + self.epoch)
            order = torch.randperm(n, generator=generator)
        else:
            order = torch.arange(n)
        if not self.pad:
            return order[self.rank::self.world_size]
        total = self.num_samples * self.world_size
        if total > n:  # pad by wrapping around, like DistributedSampler
            order = order.repeat(math.ceil(total / n))[:total]
        return order[self.rank:total:self.world_size]

    def get_iterator(self):
        indices = self.local_indices()
        first = next((a for a in self.base._flat if isinstance(a, torch.Tensor)), None)
        if first is not None and first.device != indices.device:
            indices = indices.to(first.device)
        bs = self.batch_size
        if self.even_batches:
            for index in torch.tensor_split(indices, self.num_batches):
                yield self.base._pack([self.base._take(a, None, None, index) for a in self.base._flat])
            return
        for start in range(0, self.num_samples, bs):
            index = indices[start:start + bs]
            if self.shuffle == "batch":
                generator = torch.Generator().manual_seed(self.seed + self.epoch * 7919 + start)
                index = index[torch.randperm(len(index), generator=generator).to(index.device)]
            yield self.base._pack([self.base._take(a, None, None, index) for a in self.base._flat])

    def on_epoch_end(self):
        self.epoch += 1


class ShardedPyDatasetAdapter:
    """This data shard's part of a `PyDataset`: each batch the dataset returns is a global batch, and shard `i`
    of `n` takes its `i`-th contiguous slice (as Keras shards a batched dataset). Every process reads the
    batches in the same order (a shuffle uses the shared seed)."""

    def __init__(self, adapter, index, count, seed):
        self.base = adapter
        self.index = index
        self.count = count
        self.seed = seed
        self.epoch = 0
        self.device = adapter.device
        self.num_batches = adapter.num_batches
        self.batch_size = None
        self._warned = False

    def _order(self):
        n = self.base.num_batches
        if n is None or not self.base.shuffle:
            return self.base._order()
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        return torch.randperm(n, generator=generator).tolist()

    def _slice(self, batch):
        from torchkeras.utils import tree

        sizes = {int(t.shape[0]) for t in tree.flatten(batch) if isinstance(t, torch.Tensor) and t.dim()}
        size = max(sizes) if sizes else 0
        if size < self.count:
            raise ValueError(
                f"Distributed training: a batch of the PyDataset has {size} samples, fewer than the {self.count} "
                "data shards that split it. Make every batch hold at least one sample per data shard (the "
                "PyDataset's batches are global batches)."
            )
        if size % self.count and not self._warned:
            warnings.warn(
                f"Distributed training: a PyDataset batch of {size} samples is not a multiple of the {self.count} "
                "data shards; the shards get slices of unequal sizes for it.",
                stacklevel=4,
            )
            self._warned = True
        start = self.index * size // self.count
        stop = (self.index + 1) * size // self.count

        def take(t):
            if isinstance(t, torch.Tensor) and t.dim() and t.shape[0] == size:
                return t[start:stop]
            return t

        return tree.map_structure(take, batch)

    def get_iterator(self):
        order = self._order()
        self.base._order = lambda: order  # the shared order, for this epoch
        try:
            for batch in self.base.get_iterator():
                yield self._slice(batch)
        finally:
            del self.base._order

    def peek(self):
        return self._slice(self.base.peek()) if hasattr(self.base, "peek") else None

    def on_epoch_end(self):
        self.epoch += 1
        self.base.on_epoch_end()


def _shard_loader_adapter(adapter, global_batch):
    from torch.utils.data import DataLoader, DistributedSampler, RandomSampler, SequentialSampler

    loader = adapter.loader
    sampler = getattr(loader, "sampler", None)
    if isinstance(sampler, DistributedSampler) or getattr(loader, "batch_sampler", None) is None:
        return adapter  # already sharded, or an iterable-style loader that we cannot split
    if not isinstance(sampler, (RandomSampler, SequentialSampler)):
        warnings.warn(
            f"Distributed training: the DataLoader uses a custom sampler ({type(sampler).__name__}), so it is not "
            "sharded automatically: give it a DistributedSampler.",
            stacklevel=4,
        )
        return adapter
    batch_size = loader.batch_size
    index, count = data_shards()
    if global_batch:
        batch_size = max(1, math.ceil(batch_size / count))  # fit's batch_size is global for Datasets
    distributed_sampler = DistributedSampler(loader.dataset, num_replicas=count, rank=index,
                                             shuffle=isinstance(sampler, RandomSampler), seed=_state["seed"] or 0,
                                             drop_last=loader.drop_last)
    adapter.loader = DataLoader(loader.dataset, batch_size=batch_size, sampler=distributed_sampler,
                                num_workers=loader.num_workers, collate_fn=loader.collate_fn,
                                pin_memory=loader.pin_memory, drop_last=loader.drop_last,
                                timeout=loader.timeout, worker_init_fn=loader.worker_init_fn,
                                persistent_workers=loader.persistent_workers)
    adapter.batch_size = batch_size
    adapter.num_batches = len(adapter.loader)
    return adapter


# --- metrics and replicated state -----------------------------------------------------------------------
def sync_metrics(model, weights=True):
    """Sum every metric's state variables across processes (in place) and, with `weights`, average the
    non-trainable float weights. Returns True if anything was synchronized (the logs must then be
    recomputed)."""
    if not _state["active"]:
        return False
    seen = set()
    summed = []
    for metric in model.metrics:
        for variable in metric.variables:
            if id(variable) in seen:
                continue
            seen.add(id(variable))
            aggregation = getattr(variable, "aggregation", "sum")
            if aggregation in ("sum", "mean", None, "none", "auto"):
                summed.append((variable, aggregation == "mean"))
    group, size = _reduce_group(), float(_reduce_size())
    _all_reduce_in_place([v for v, _ in summed], group)
    means = [v for v, is_mean in summed if is_mean]
    if means:
        with torch.no_grad():
            torch._foreach_div_(means, size)
    # State such as BatchNormalization's moving statistics evolves on each process: average it. Weights of
    # frozen layers are identical everywhere and left alone. (Sharded state averages its local shards.)
    averaged = [_local(v) for layer in model._flatten_layers() if layer.trainable
                for v in layer._non_trainable_variables if v.is_floating_point()] if weights else []
    if averaged:
        _all_reduce_in_place(averaged, group)
        with torch.no_grad():
            torch._foreach_div_(averaged, size)
    return True


def _local(variable):
    return variable._local_tensor if hasattr(variable, "_local_tensor") else variable


def _all_reduce_in_place(tensors, process_group=None):
    """One SUM all-reduce per dtype over the concatenation of `tensors`, written back in place."""
    by_dtype = {}
    for t in tensors:
        by_dtype.setdefault(t.dtype, []).append(t)
    device = _collective_device()
    with torch.no_grad():
        for dtype, group in by_dtype.items():
            reduce_dtype = dtype if dtype.is_floating_point else torch.int64
            flat = torch.cat([t.detach().reshape(-1).to(device, reduce_dtype) for t in group])
            dist.all_reduce(flat, op=dist.ReduceOp.SUM, group=process_group)
            offset = 0
            for t in group:
                n = t.numel()
                t.copy_(flat[offset:offset + n].reshape(t.shape).to(t.device, t.dtype))
                offset += n


# --- callbacks ------------------------------------------------------------------------------------------
def gate_callbacks(callbacks, verbose):
    """`(callbacks, verbose)` for this process: on ranks other than 0 the progress bar is off and callbacks
    that only write output are left out (BackupAndRestore only restores)."""
    if not _state["active"] or is_main_process():
        return callbacks, verbose
    from torchkeras.callbacks.callback_list import CallbackList

    if isinstance(callbacks, CallbackList) or callbacks is None:
        return callbacks, 0
    from torchkeras.utils import tree

    collective_saves = _model_parallel() is not None  # saving sharded weights needs every process
    kept = []
    for cb in tree.flatten(callbacks):
        if collective_saves and _is_checkpoint(cb):
            kept.append(cb)  # its saves gather the shards; only rank 0 writes
            continue
        if _is_output_only(cb):
            continue
        if _is_backup(cb):
            kept.append(RestoreAndJoinSaves(cb) if collective_saves else RestoreOnly(cb))
            continue
        kept.append(cb)
    return kept, 0


def _is_checkpoint(callback):
    from torchkeras.callbacks.model_checkpoint import ModelCheckpoint

    return isinstance(callback, ModelCheckpoint)


def _is_output_only(callback):
    if getattr(callback, "_rank_zero_only", False):
        return True
    from torchkeras.callbacks.csv_logger import CSVLogger
    from torchkeras.callbacks.model_checkpoint import ModelCheckpoint
    from torchkeras.callbacks.progbar_logger import ProgbarLogger
    from torchkeras.callbacks.remote_monitor import RemoteMonitor
    from torchkeras.callbacks.tensorboard import TensorBoard

    return isinstance(callback, (CSVLogger, ModelCheckpoint, ProgbarLogger, RemoteMonitor, TensorBoard))


def _is_backup(callback):
    from torchkeras.callbacks.backup_and_restore import BackupAndRestore

    return isinstance(callback, BackupAndRestore)


class RestoreOnly(Callback):
    """Runs a BackupAndRestore's restore (at train begin) without its writes (ranks other than 0)."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def set_model(self, model):
        super().set_model(model)
        self.inner.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        self.inner.set_params(params)

    def on_train_begin(self, logs=None):
        self.inner.on_train_begin(logs)


class RestoreAndJoinSaves(RestoreOnly):
    """A BackupAndRestore on ranks other than 0 when the weights are sharded: restores at train begin, and
    takes part in each backup's collective save of the weights (rank 0 writes them and the metadata)."""

    def on_epoch_begin(self, epoch, logs=None):
        self.inner.on_epoch_begin(epoch, logs)

    def on_train_batch_end(self, batch, logs=None):
        inner = self.inner
        inner._batches_done_in_epoch = batch + 1
        if inner._fast_forward is not None:
            inner.on_train_batch_end(batch, logs)
            return
        if inner._should_save_on_batch(batch):
            self.model.save_weights(inner._weights_path, overwrite=True)

    def on_epoch_end(self, epoch, logs=None):
        inner = self.inner
        inner._fast_forward = None
        inner._current_epoch = epoch + 1
        inner._last_batch_seen = 0
        inner._batches_done_in_epoch = 0
        if inner.save_freq == "epoch":
            self.model.save_weights(inner._weights_path, overwrite=True)
