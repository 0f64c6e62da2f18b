"""Batches from a `keras.utils.PyDataset` / Keras 2 `Sequence`, optionally prepared by parallel workers.

Like Keras: with `workers > 1` (threads) or `use_multiprocessing=True` (processes, forked at the start of each
epoch so they see the dataset's current state) batches are requested ahead, at most `max_queue_size` at a
time, and delivered in order. `fit(shuffle=True)` shuffles the batch order each epoch (Python's `random`).
An endless dataset (`num_batches` None) is read until `steps_per_epoch` is reached.

`peek()` fetches the first batch of the next epoch ahead (for the trainer's checks and build); that epoch then
delivers it as its first batch, so no batch is read twice.
"""
import concurrent.futures
import itertools
import multiprocessing
import random

import numpy as np
import torch

from torchkeras.backend.device import get_device
from torchkeras.trainers.data_adapters import data_adapter_utils
from torchkeras.trainers.data_adapters.generator_data_adapter import batch_to_device


def is_py_dataset(x):
    from torchkeras.utils.py_dataset import PyDataset

    if isinstance(x, PyDataset):
        return True
    # Duck typing for Keras 2 style Sequences defined against other bases.
    return type(x).__name__ != "DataLoader" and hasattr(x, "__getitem__") and hasattr(x, "__len__") and \
        hasattr(x, "on_epoch_end") and not isinstance(x, (list, tuple, dict, torch.utils.data.Dataset))


def _option(dataset, name, default):
    value = getattr(dataset, name, default)
    return default if value is None else value


# The dataset each worker process reads from (set once per process by the pool initializer).
_WORKER_DATASET = None


def _init_worker(dataset):
    global _WORKER_DATASET
    _WORKER_DATASET = dataset


def _get_in_worker(index):
    return _WORKER_DATASET[index]


def standardize_batch(batch, class_weight=None):
    """Check a batch's structure (Keras's rules) and add class-weight sample weights."""
    if isinstance(batch, dict):
        return batch
    if isinstance(batch, (np.ndarray, torch.Tensor)):
        batch = (batch,)
    if isinstance(batch, list):
        batch = tuple(batch)
    if not isinstance(batch, tuple) or len(batch) not in (1, 2, 3):
        raise ValueError(
            "PyDataset.__getitem__() must return a tuple or a dict. If a tuple, it must be ordered either "
            "(input,) or (inputs, targets) or (inputs, targets, sample_weights). "
            f"Received: {str(batch)[:100]}... of type {type(batch)}")
    if class_weight is not None:
        if len(batch) == 3:
            raise ValueError("You cannot specify `class_weight` and `sample_weight` at the same time.")
        if len(batch) == 2:
            batch = batch + (data_adapter_utils.class_weight_to_sample_weights(batch[1], class_weight),)
    return batch


class PyDatasetAdapter:
    def __init__(self, dataset, shuffle=False, class_weight=None, device=None, argument="x", workers=None,
                 use_multiprocessing=None, max_queue_size=None):
        self.dataset = dataset
        self.shuffle = shuffle
        self.class_weight = class_weight
        self.device = torch.device(device) if device is not None else get_device()
        try:
            self.num_batches = dataset.num_batches
        except AttributeError:  # a duck-typed Keras 2 Sequence
            self.num_batches = len(dataset)
        if self.num_batches is not None and int(self.num_batches) <= 0:
            raise ValueError(
                f"The {type(dataset).__name__} passed as `{argument}` has no batches (its `num_batches`/`__len__` "
                f"is {self.num_batches}): there is nothing to train on, evaluate or predict. Check that it holds "
                "data and that `__len__` returns the number of batches."
            )
        self._argument = argument
        self._primed = None  # (remaining indices of the next epoch, its first batch on the device)
        self.batch_size = None
        # Keras 2's `fit(workers=..., use_multiprocessing=..., max_queue_size=...)` win over the dataset's own.
        self._workers = int(workers if workers is not None else _option(dataset, "workers", 1))
        self._multiprocessing = bool(use_multiprocessing if use_multiprocessing is not None else
                                     _option(dataset, "use_multiprocessing", False))
        self._queue = max(1, int(max_queue_size if max_queue_size is not None else
                                 _option(dataset, "max_queue_size", 10)))

    def _order(self):
        if self.num_batches is None:
            return itertools.count()
        order = list(range(self.num_batches))
        if self.shuffle:
            random.shuffle(order)
        return order

    def _executor(self):
        if self._multiprocessing:
            methods = multiprocessing.get_all_start_methods()
            ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            return concurrent.futures.ProcessPoolExecutor(max(1, self._workers), mp_context=ctx,
                                                          initializer=_init_worker, initargs=(self.dataset,))
        if self._workers > 1:
            return concurrent.futures.ThreadPoolExecutor(self._workers)
        return None

    def _raw_batches(self, order):
        executor = self._executor()
        if executor is None:
            for i in order:
                yield self.dataset[i]
            return
        get = _get_in_worker if self._multiprocessing else self.dataset.__getitem__
        pending = []
        indices = iter(order)
        try:
            for i in itertools.islice(indices, self._queue):
                pending.append(executor.submit(get, i))
            while pending:
                batch = pending.pop(0).result()
                nxt = next(indices, None)
                if nxt is not None:
                    pending.append(executor.submit(get, nxt))
                yield batch
        finally:
            for future in pending:
                future.cancel()
            executor.shutdown(wait=True, cancel_futures=True)

    def _to_device(self, batch):
        return batch_to_device(standardize_batch(batch, self.class_weight), self.device)

    def peek(self):
        """The first batch of the next epoch, on the device (read once: the epoch starts with it)."""
        if self._primed is None:
            if hasattr(self.dataset, "on_epoch_begin"):
                self.dataset.on_epoch_begin()
            order = iter(self._order())
            first = next(order, None)
            if first is None:
                raise ValueError(f"The {type(self.dataset).__name__} passed as `{self._argument}` has no batches.")
            if self._workers > 1 or self._multiprocessing:  # like the epoch's batches: off the main thread
                with concurrent.futures.ThreadPoolExecutor(1) as pool:
                    raw = pool.submit(self.dataset.__getitem__, first).result()
            else:
                raw = self.dataset[first]
            self._primed = (order, self._to_device(raw))
        return self._primed[1]

    def get_iterator(self):
        """One epoch of device batches."""
        if self._primed is not None:
            order, first = self._primed
            self._primed = None
            yield first
        else:
            if hasattr(self.dataset, "on_epoch_begin"):
                self.dataset.on_epoch_begin()
            order = self._order()
        for batch in self._raw_batches(order):
            yield self._to_device(batch)

    def on_epoch_end(self):
        self.dataset.on_epoch_end()
