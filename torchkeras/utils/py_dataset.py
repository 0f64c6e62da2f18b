"""`keras.utils.PyDataset` (Keras 2: `keras.utils.Sequence`): a batch-indexed dataset class."""
from torchkeras.api_export import keras_export


@keras_export("keras.utils.PyDataset", "keras.utils.Sequence", "keras.utils.data_utils.Sequence")
class PyDataset:
    """Base class for datasets that return whole batches: implement `__getitem__(index)` and `__len__`.

    `workers` > 1 loads batches in parallel threads (or processes with `use_multiprocessing=True`);
    `max_queue_size` bounds how many batches are prepared ahead.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self):
        if not hasattr(self, "_workers"):
            self._workers = 1
            self._use_multiprocessing = False
            self._max_queue_size = 10

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

    def __len__(self):
        raise NotImplementedError

    @property
    def num_batches(self):
        try:
            return len(self)
        except NotImplementedError:
            return None

    def on_epoch_begin(self):
        pass

    def on_epoch_end(self):
        pass

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]
