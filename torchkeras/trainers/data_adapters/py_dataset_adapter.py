"""Batches from a `keras.utils.PyDataset` / Keras 2 `Sequence`, optionally loaded by parallel workers."""
import concurrent.futures
import multiprocessing

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


def _get(dataset, index):
    return dataset[index]


class PyDatasetAdapter:
    def __init__(self, dataset, shuffle=False, class_weight=None, device=None):
        self.dataset = dataset
        self.shuffle = shuffle
        self.class_weight = class_weight
        self.device = torch.device(device) if device is not None else get_device()
        self.num_batches = len(dataset)
        self.batch_size = None
        self._workers = int(getattr(dataset, "workers", 1) or 1)
        self._multiprocessing = bool(getattr(dataset, "use_multiprocessing", False))
        self._queue = int(getattr(dataset, "max_queue_size", 10) or 10)

    def _with_class_weight(self, batch):
        if self.class_weight is None:
            return batch
        x, y, sw = data_adapter_utils.unpack_x_y_sample_weight(batch)
        if sw is not None:
            raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
        return (x, y, data_adapter_utils.class_weight_to_sample_weights(y, self.class_weight))

    def _indices(self):
        order = list(range(self.num_batches))
        if self.shuffle:
            order = torch.randperm(self.num_batches).tolist()
        return order

    def get_iterator(self):
        if hasattr(self.dataset, "on_epoch_begin"):
            self.dataset.on_epoch_begin()
        order = self._indices()
        if self._workers <= 1:
            for i in order:
                yield batch_to_device(self._with_class_weight(self.dataset[i]), self.device)
            return
        if self._multiprocessing:
            ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods()
                                             else "spawn")
            executor = concurrent.futures.ProcessPoolExecutor(self._workers, mp_context=ctx)
        else:
            executor = concurrent.futures.ThreadPoolExecutor(self._workers)
        with executor:
            pending = []
            it = iter(order)
            for i in it:
                pending.append(executor.submit(_get, self.dataset, i))
                if len(pending) >= self._queue:
                    break
            while pending:
                batch = pending.pop(0).result()
                nxt = next(it, None)
                if nxt is not None:
                    pending.append(executor.submit(_get, self.dataset, nxt))
                yield batch_to_device(self._with_class_weight(batch), self.device)

    def on_epoch_end(self):
        self.dataset.on_epoch_end()
