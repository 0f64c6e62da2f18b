"""Iterate over an adapter epoch by epoch, honouring `steps_per_epoch` like Keras.

With `steps_per_epoch`, one iterator persists across epochs: epoch 2 continues where epoch 1 stopped, and the
data restarts only when exhausted. If the data runs out before the requested steps, the epoch ends early
with Keras's warning.
"""
import warnings

from torchkeras.trainers.data_adapters import get_data_adapter


class EpochIterator:
    def __init__(self, x=None, y=None, sample_weight=None, batch_size=None, steps_per_epoch=None, shuffle=False,
                 class_weight=None, adapter=None):
        self.adapter = adapter or get_data_adapter(x, y, sample_weight=sample_weight, batch_size=batch_size,
                                                    steps_per_epoch=steps_per_epoch, shuffle=shuffle,
                                                    class_weight=class_weight)
        self.steps_per_epoch = steps_per_epoch
        self._persistent = None
        self._exhausted_warned = False
        self._steps_seen = 0

    @property
    def num_batches(self):
        if self.steps_per_epoch is not None:
            return self.steps_per_epoch
        return self.adapter.num_batches

    def first_batch(self):
        """The first batch of the data, without consuming it (None when the data can't be peeked)."""
        from torchkeras.trainers.data_adapters.array_data_adapter import ArrayDataAdapter

        adapter = self.adapter
        if isinstance(adapter, ArrayDataAdapter):
            return adapter._pack([adapter._take(a, 0, min(adapter.batch_size, adapter.num_samples), None)
                                  for a in adapter._flat])
        if hasattr(adapter, "peek"):
            from torchkeras.trainers.data_adapters.generator_data_adapter import batch_to_device

            return batch_to_device(adapter.peek(), adapter.device)
        return None

    def enumerate_epoch(self):
        """Yield `(step, batch)` for one epoch."""
        if self.steps_per_epoch is None:
            step = -1
            for step, batch in enumerate(self.adapter.get_iterator()):
                yield step, batch
            self._steps_seen = step + 1
            if step == -1:
                self._warn_out_of_data()
            self.adapter.on_epoch_end()
            return
        step = 0
        while step < self.steps_per_epoch:
            fresh = self._persistent is None
            if fresh:
                self._persistent = iter(self.adapter.get_iterator())
            try:
                batch = next(self._persistent)
            except StopIteration:
                self._persistent = None
                self.adapter.on_epoch_end()
                if step == 0 and not fresh:
                    continue  # the data ended exactly with the last epoch: start it over
                self._warn_out_of_data()
                return
            yield step, batch
            step += 1
        self._steps_seen = step

    def _warn_out_of_data(self):
        if not self._exhausted_warned:
            warnings.warn(
                "Your input ran out of data; interrupting training. Make sure that your dataset or generator "
                "can generate at least `steps_per_epoch * epochs` batches. You may need to use the "
                "`.repeat()` function when building your dataset.",
                stacklevel=4,
            )
            self._exhausted_warned = True
