"""When a callback with an integer `save_freq` (a number of batches) saves during an epoch."""


class BatchSaveFrequencyMixin:
    """For callbacks with `save_freq` (`"epoch"` or a number of batches), `_last_batch_seen` (the last batch
    index, or None before the first) and `_batches_seen_since_last_saving`."""

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            added = batch + 1  # a new epoch started (batches are zero-indexed)
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False
