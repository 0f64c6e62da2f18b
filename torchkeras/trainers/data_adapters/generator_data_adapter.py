"""Batches from Python generators, iterators and other iterables of `(x, y[, sample_weight])`.

With Keras 2's `workers > 1` or `use_multiprocessing=True`, the generator is read ahead in a background
thread, at most `max_queue_size` batches ahead, in order. A Python generator runs in one thread at a time and
cannot be shared between processes, so more workers add nothing: a `keras.utils.PyDataset` gives batches in
parallel.
"""
import itertools
import queue
import threading
import warnings

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

    def __init__(self, generator, device=None, argument="x", workers=None, use_multiprocessing=None,
                 max_queue_size=None):
        self.device = torch.device(device) if device is not None else get_device()
        self._read_ahead = (workers is not None and int(workers) > 1) or bool(use_multiprocessing)
        self._queue_size = max(1, int(max_queue_size)) if max_queue_size is not None else 10
        if use_multiprocessing:
            warnings.warn(
                "A Python generator cannot be shared between processes: with `use_multiprocessing=True` it is "
                "read ahead in a background thread instead. Use a `keras.utils.PyDataset` (Keras 2 `Sequence`) "
                "to prepare batches in worker processes.", stacklevel=5)
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
        self._iterator = None

    @property
    def unstarted(self):
        """Whether this is a generator not read yet (Keras 2 reads it only once training has begun, after
        the callbacks' `on_train_begin`)."""
        return self._is_iterator and self._iterator is None

    def _start(self):
        """Read the first batch of a generator (kept for the first epoch)."""
        if self._iterator is not None:
            return
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
        if self._is_iterator:
            self._start()
        if self._peeked is not None:
            if self._peeked_on_device is None:
                self._peeked_on_device = self._to_device(self._peeked)
            return self._peeked_on_device
        try:
            first = next(iter(self._source))
        except StopIteration:
            raise self._empty_error() from None
        _check_batch(first)
        return self._to_device(first)

    def get_iterator(self):
        if self._is_iterator:
            self._start()
        source = self._iterator if self._is_iterator else iter(self._source)
        if self._read_ahead:
            source = read_ahead(source, self._queue_size)
        for batch in source:
            if batch is self._peeked and self._peeked is not None:
                self._peeked = None
                on_device, self._peeked_on_device = self._peeked_on_device, None
                yield on_device if on_device is not None else self._to_device(batch)
                continue
            _check_batch(batch)
            yield self._to_device(batch)

    def _to_device(self, batch):
        return batch_to_device(batch, self.device)

    def on_epoch_end(self):
        pass


_DONE = object()


def read_ahead(iterator, max_queue_size):
    """Yield the items of `iterator`, produced by a background thread at most `max_queue_size` ahead.

    An exception raised by the iterator is raised here, at its place in the order. Closing this generator
    (or dropping it) stops the thread.
    """
    items = queue.Queue(max_queue_size)
    stop = threading.Event()

    def put(item):
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            for item in iterator:
                if not put((item, None)):
                    return
        except BaseException as e:  # noqa: BLE001 - handed to the consumer, raised there
            put((None, e))
            return
        put((_DONE, None))

    thread = threading.Thread(target=produce, name="keras-generator-reader", daemon=True)
    thread.start()
    try:
        while True:
            item, error = items.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
