"""Batches from Python generators, iterators and other iterables of `(x, y[, sample_weight])`."""
import itertools

import numpy as np
import torch

from torchkeras.backend.device import get_device
from torchkeras.trainers.data_adapters.array_data_adapter import _to_tensor
from torchkeras.utils import tree


def batch_to_device(batch, device):
    """Convert one batch's leaves to torch tensors on `device` (float64 -> floatx)."""

    def convert(a):
        if a is None:
            return None
        if isinstance(a, (np.ndarray, list, float, int)) or (hasattr(a, "__array__") and not isinstance(
                a, torch.Tensor)):
            a = _to_tensor(a)
        if isinstance(a, torch.Tensor):
            if a.dtype == torch.float64:
                a = a.float()
            if a.device != device:
                a = a.to(device, non_blocking=True)
        return a

    if isinstance(batch, list):
        batch = tuple(batch)
    if isinstance(batch, tuple) and len(batch) in (1, 2, 3):
        return tuple(tree.map_structure(convert, b) if b is not None else None for b in batch)
    return tree.map_structure(convert, batch)


def _check_batch(batch):
    if isinstance(batch, (tuple, list)) and len(batch) > 3 and not isinstance(batch, dict):
        raise ValueError(
            "A generator must yield `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`. Received a tuple of "
            f"length {len(batch)}: {tuple(type(b).__name__ for b in batch)}"
        )


class GeneratorDataAdapter:
    """Wraps a generator (consumed once) or a re-iterable (iterated again each epoch)."""

    def __init__(self, generator, device=None, argument="x"):
        self.device = torch.device(device) if device is not None else get_device()
        self._source = generator
        self._is_iterator = hasattr(generator, "__next__")
        self.num_batches = None
        self.batch_size = None
        if not self._is_iterator and hasattr(generator, "__len__"):
            try:
                self.num_batches = len(generator)
            except TypeError:
                self.num_batches = None
        self._argument = argument
        self._peeked = None
        self._peeked_on_device = None
        if self._is_iterator:
            try:
                first = next(self._source)
            except StopIteration:
                raise self._empty_error() from None
            _check_batch(first)
            self._peeked = first
            self._iterator = itertools.chain([first], self._source)

    def _empty_error(self):
        kind = "generator" if self._is_iterator else f"iterable ({type(self._source).__name__})"
        return ValueError(
            f"When passing a Python {kind} to a Keras model, the {kind.split(' ')[0]} must yield at least one "
            f"batch. Received an empty {kind.split(' ')[0]} as `{self._argument}`: it is exhausted (it yielded no "
            "batches). Pass a fresh generator (a generator can be read only once), or one that loops forever "
            "together with `steps_per_epoch`."
        )

    def peek(self):
        """The first batch, on the device (a generator's first batch is kept and delivered by the first epoch;
        a re-iterable is iterated once more)."""
        if self._peeked is not None:
            if self._peeked_on_device is None:
                self._peeked_on_device = batch_to_device(self._peeked, self.device)
            return self._peeked_on_device
        try:
            first = next(iter(self._source))
        except StopIteration:
            raise self._empty_error() from None
        _check_batch(first)
        return batch_to_device(first, self.device)

    def get_iterator(self):
        source = self._iterator if self._is_iterator else iter(self._source)
        for batch in source:
            if batch is self._peeked and self._peeked is not None:
                self._peeked = None
                on_device, self._peeked_on_device = self._peeked_on_device, None
                yield on_device if on_device is not None else batch_to_device(batch, self.device)
                continue
            _check_batch(batch)
            yield batch_to_device(batch, self.device)

    def on_epoch_end(self):
        pass
