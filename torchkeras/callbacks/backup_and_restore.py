"""`keras.callbacks.BackupAndRestore`: back up training state, and resume from it after an interruption."""
import json
import os
import shutil

from torchkeras.api_export import keras_export
from torchkeras.callbacks.callback import Callback
from torchkeras.callbacks.save_frequency import BatchSaveFrequencyMixin


@keras_export("keras.callbacks.BackupAndRestore")
class BackupAndRestore(BatchSaveFrequencyMixin, Callback):
    """Back up the model and optimizer state so that a killed `fit()` resumes where it stopped.

    The weights (with the optimizer's variables) go to `backup_dir/latest.weights.h5` and the position to
    `backup_dir/training_metadata.json` (`{"epoch": ..., "batch": ...}`, Keras's layout). At train begin an
    existing backup is loaded and `fit` resumes from the saved epoch. With an integer `save_freq`, a backup
    taken mid-epoch resumes mid-epoch: the batches of that epoch that were already trained are run again
    to advance the data, then the backed-up state is put back, so the final weights are those of an
    uninterrupted run (given the same data order, e.g. `shuffle=False`).

    Args:
        backup_dir: the directory for the backup (deleted when training ends, see `delete_checkpoint`).
        save_freq: `"epoch"` (back up at every epoch end) or an integer number of batches.
        double_checkpoint: keep the previous backup as `*.bkp` files, used if the latest one is unreadable.
        delete_checkpoint: delete `backup_dir` once training finishes.
    """

    _accepts_lazy_logs = True  # batch logs are never read

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        self._batches_done_in_epoch = 0
        self._fast_forward = None
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        self.backup_dir = os.fspath(backup_dir)
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._training_metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._prev_weights_path = f"{self._weights_path}.bkp"
        self._prev_training_metadata_path = f"{self._training_metadata_path}.bkp"
        if save_freq != "epoch" and (not isinstance(save_freq, int) or isinstance(save_freq, bool)):
            raise ValueError(
                f"Invalid value for argument `save_freq`. Received: save_freq={save_freq}. Expected either "
                "'epoch' or an integer value."
            )

    # --- restoring -----------------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._fast_forward = None
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        try:
            self._load_model()
        except (OSError, ValueError) as e:
            # The latest backup may be corrupted: fall back on the previous one.
            if not os.path.exists(self._prev_weights_path) or isinstance(e, _NotBuiltError):
                raise
            shutil.copyfile(self._prev_weights_path, self._weights_path)
            if os.path.exists(self._prev_training_metadata_path):
                shutil.copyfile(self._prev_training_metadata_path, self._training_metadata_path)
            elif os.path.exists(self._training_metadata_path):
                os.remove(self._training_metadata_path)
            self._load_model()

    def _load_model(self):
        if not self.model.built:
            raise _NotBuiltError(
                "To use the BackupAndRestore callback, you model must be built before you call `fit()`. "
                f"Model {self.model} is unbuilt. You can build it beforehand by calling it on a batch of data."
            )
        if os.path.exists(self._weights_path):
            optimizer = self.model.optimizer
            if optimizer is not None and not getattr(optimizer, "built", True):
                # The optimizer's variables must exist before its state can be loaded.
                optimizer.build(self.model.trainable_variables)
            self.model.load_weights(self._weights_path)
        if os.path.exists(self._training_metadata_path):
            with open(self._training_metadata_path, "r") as f:
                metadata = json.loads(f.read())
            epoch = int(metadata["epoch"])
            self.model._initial_epoch = epoch
            self._current_epoch = epoch
            done = int(metadata.get("batches_done", 0))
            if done > 0 and os.path.exists(self._weights_path):
                self._fast_forward = (epoch, done)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch
        self._batches_done_in_epoch = 0

    def on_train_batch_end(self, batch, logs=None):
        self._batches_done_in_epoch = batch + 1
        if self._fast_forward is not None:
            epoch, done = self._fast_forward
            if self._current_epoch == epoch and batch + 1 >= done:
                # The data is back where the backup was taken: put the backed-up state back.
                self._fast_forward = None
                self.model.load_weights(self._weights_path)
                self.model.reset_metrics()
                self._last_batch_seen = batch
            return
        if self._should_save_on_batch(batch):
            self._save_model(batch_done=True)

    def on_epoch_end(self, epoch, logs=None):
        self._fast_forward = None
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        self._batches_done_in_epoch = 0
        if self.save_freq == "epoch":
            self._save_model(batch_done=False)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)

    # --- saving --------------------------------------------------------------------------------------
    def _save_model(self, batch_done):
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._weights_path):
            shutil.copyfile(self._weights_path, self._prev_weights_path)
        if self.double_checkpoint and os.path.exists(self._training_metadata_path):
            shutil.copyfile(self._training_metadata_path, self._prev_training_metadata_path)
        self.model.save_weights(self._weights_path, overwrite=True)
        metadata = {"epoch": self._current_epoch, "batch": self._last_batch_seen}
        if batch_done:
            # torchkeras's addition (Keras ignores it): how many batches of `epoch` the backup contains.
            metadata["batches_done"] = self._batches_done_in_epoch
        tmp = self._training_metadata_path + ".tmp"
        with open(tmp, "w") as f:
            f.write(json.dumps(metadata))
        os.replace(tmp, self._training_metadata_path)


class _NotBuiltError(ValueError):
    pass
