"""`keras.utils.PyDataset` (Keras 2: `keras.utils.Sequence`): a batch-indexed dataset class."""
import itertools
import warnings

from torchkeras.api_export import keras_export


@keras_export("keras.utils.PyDataset", "keras.utils.Sequence", "keras.utils.data_utils.Sequence")
class PyDataset:
    """Base class for datasets that return whole batches: implement `__getitem__(index)` and `__len__`.

    `__getitem__` returns `(x,)`, `(x, y)` or `(x, y, sample_weight)` (or a dict). `workers` > 1 prepares
    batches in parallel threads, or in processes with `use_multiprocessing=True`; `max_queue_size` bounds
    how many batches are prepared ahead. For an endless dataset, make `num_batches` return None and pass
    `steps_per_epoch` to `fit`. `on_epoch_begin`/`on_epoch_end` are called around every epoch.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self):
        missing = False
        for attr, default in (("_workers", 1), ("_use_multiprocessing", False), ("_max_queue_size", 10)):
            if not hasattr(self, attr):
                setattr(self, attr, default)
                missing = True
        if missing:
            warnings.warn(
                "Your `PyDataset` class should call `super().__init__(**kwargs)` in its constructor. `**kwargs` "
                "can include `workers`, `use_multiprocessing`, `max_queue_size`. Do not pass these arguments "
                "to `fit()`, as they will be ignored.",
                stacklevel=3,
            )

    @property
    def workers(self):
        self._warn_if_super_not_called()
        return self._workers

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        self._warn_if_super_not_called()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        self._warn_if_super_not_called()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        raise NotImplementedError

    @property
    def num_batches(self):
        """The number of batches (`len(self)`), or None for an endless dataset."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(
            "You need to implement the `num_batches` property:\n\n@property\ndef num_batches(self):\n  return ...")

    def on_epoch_begin(self):
        """Called at the start of every epoch."""

    def on_epoch_end(self):
        """Called at the end of every epoch (e.g. to reshuffle)."""

    def __iter__(self):
        try:
            num_batches = self.num_batches
        except NotImplementedError:
            num_batches = None
        for index in (range(num_batches) if num_batches is not None else itertools.count()):
            yield self[index]
