"""Batches from a `torch.utils.data.DataLoader` (or a map-style `Dataset`, batched here).

`peek()` starts the next epoch's iteration to read its first batch (for the trainer's checks and build); that
epoch then continues from it, so no batch is read twice and no extra workers are started.
"""
import torch

from torchkeras.backend.device import get_device
from torchkeras.trainers.data_adapters.generator_data_adapter import batch_to_device


class TorchDataLoaderAdapter:
    def __init__(self, loader, batch_size=None, shuffle=False, device=None, argument="x"):
        self.device = torch.device(device) if device is not None else get_device()
        self._argument = argument
        if isinstance(loader, torch.utils.data.Dataset) and not isinstance(loader, torch.utils.data.IterableDataset):
            if hasattr(loader, "__len__") and len(loader) == 0:
                raise ValueError(f"The {type(loader).__name__} passed as `{argument}` is empty (0 samples): there is "
                                 "nothing to train on, evaluate or predict. Pass a dataset that holds data.")
            pin = self.device.type == "cuda"
            loader = torch.utils.data.DataLoader(loader, batch_size=batch_size or 32,
                                                 shuffle=bool(shuffle), pin_memory=pin)
        elif isinstance(loader, torch.utils.data.IterableDataset):
            loader = torch.utils.data.DataLoader(loader, batch_size=batch_size or 32)
        self.loader = loader
        self.batch_size = getattr(loader, "batch_size", None)
        self._primed = None  # (the loader, its started iterator for the next epoch, its first batch on the device)
        try:
            self.num_batches = len(loader)
        except TypeError:
            self.num_batches = None
        if self.num_batches == 0:
            raise ValueError(self._empty_message())

    def _empty_message(self):
        dataset = getattr(self.loader, "dataset", None)
        size = ""
        try:
            size = f" (its dataset has {len(dataset)} samples, batch_size={self.batch_size}, " \
                   f"drop_last={getattr(self.loader, 'drop_last', False)})"
        except TypeError:
            pass
        return (f"The DataLoader passed as `{self._argument}` yields no batches{size}: there is nothing to train "
                "on, evaluate or predict. Pass a dataset that holds data (with `drop_last=True`, at least one "
                "full batch).")

    def peek(self):
        """The first batch of the next epoch, on the device (read once: the epoch continues after it)."""
        if self._primed is None:
            iterator = iter(self.loader)
            try:
                first = next(iterator)
            except StopIteration:
                raise ValueError(self._empty_message()) from None
            self._primed = (self.loader, iterator, batch_to_device(first, self.device))
        return self._primed[2]

    def get_iterator(self):
        primed, self._primed = self._primed, None
        if primed is not None and primed[0] is self.loader:
            _, iterator, first = primed
            yield first
        else:  # not peeked, or the loader was replaced since (sharded for distributed training)
            iterator = iter(self.loader)
        for batch in iterator:
            yield batch_to_device(batch, self.device)

    def on_epoch_end(self):
        sampler = getattr(self.loader, "sampler", None)
        if hasattr(sampler, "set_epoch"):
            self._epoch = getattr(self, "_epoch", 0) + 1
            sampler.set_epoch(self._epoch)
