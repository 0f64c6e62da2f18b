"""`keras.callbacks.ModelCheckpoint`: save the model or its weights during training."""
import os
import re
import warnings

import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.callbacks.lazy_logs import LazyLogs
from torchkeras.callbacks.monitor_callback import MonitorCallback
from torchkeras.callbacks.save_frequency import BatchSaveFrequencyMixin
from torchkeras.utils import io_utils

# Keras 2 wrote weights to any `.h5`/`.hdf5` name and whole models to `.hdf5`; torchkeras keeps accepting them
# (`save_weights` picks the legacy layout for names that do not end in `.weights.h5`).
_MODEL_EXTENSIONS = (".keras", ".h5", ".hdf5")
_WEIGHTS_EXTENSIONS = (".weights.h5", ".h5", ".hdf5")


@keras_export("keras.callbacks.ModelCheckpoint")
class ModelCheckpoint(BatchSaveFrequencyMixin, MonitorCallback):
    """Save the model (`.keras`/`.h5`) or its weights (`.weights.h5`) at some frequency.

    Args:
        filepath: where to save; it may hold `str.format` fields filled with `epoch` (1-based), the epoch's
            logs (e.g. `{val_loss:.2f}`) and, for batch-frequency saves, `batch` (1-based).
        monitor: the quantity compared when `save_best_only=True`. Defaults to `"val_loss"`.
        verbose: 0 (silent) or 1 (print a message for every save).
        save_best_only: save only when `monitor` improved on the best value so far.
        save_weights_only: save `model.save_weights(filepath)` instead of `model.save(filepath)`.
        mode: `"auto"`, `"min"` or `"max"`.
        save_freq: `"epoch"`, or an integer number of batches between saves.
        initial_value_threshold: the initial best value for `save_best_only`.
    """

    _accepts_lazy_logs = True  # batch logs are read only when a batch-frequency save happens

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None, **kwargs):
        super().__init__(monitor, mode, initial_value_threshold)
        self.period = 1
        self.load_weights_on_restart = False
        self._read_keras2_kwargs(kwargs)
        self.verbose = verbose
        self.filepath = io_utils.path_to_string(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = None
        self._epochs_since_last_save = 0
        self._current_epoch = 0
        if self.save_freq != "epoch" and (not isinstance(self.save_freq, int) or isinstance(self.save_freq, bool)):
            raise ValueError(
                f"Unrecognized save_freq: {self.save_freq}. Expected save_freq are 'epoch' or integer values"
            )
        _check_extension(self.filepath, save_weights_only)

    def _read_keras2_kwargs(self, kwargs):
        if "period" in kwargs:
            self.period = kwargs.pop("period")
            warnings.warn(
                "`period` argument is deprecated. Please use `save_freq` to specify the frequency in number of "
                "batches seen.",
                stacklevel=3,
            )
        if "load_weights_on_restart" in kwargs:
            self.load_weights_on_restart = bool(kwargs.pop("load_weights_on_restart"))
            warnings.warn(
                "`load_weights_on_restart` argument is deprecated. Please use `model.load_weights()` for loading "
                "weights before the start of `model.fit()`.",
                stacklevel=3,
            )
        if kwargs.pop("options", None) is not None:
            warnings.warn("`options` (TensorFlow `SaveOptions`) is ignored: torchkeras does not write "
                          "TensorFlow checkpoints.", stacklevel=3)
        if kwargs:
            raise TypeError(
                f"ModelCheckpoint.__init__() got an unexpected keyword argument '{next(iter(kwargs))}'"
            )

    # --- hooks ---------------------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        if self.load_weights_on_restart:
            path = self._get_most_recently_modified_file_matching_pattern(self.filepath)
            if path is not None and os.path.isfile(path):
                self.model.load_weights(path)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            if isinstance(logs, LazyLogs):
                logs = logs.materialize()
            self._save_model(epoch=self._current_epoch, batch=batch, logs=logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None and self.save_best_only and self.monitor in (logs or {}):
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._epochs_since_last_save += 1
            if self._epochs_since_last_save >= self.period:
                self._epochs_since_last_save = 0
                self._save_model(epoch=epoch, batch=None, logs=logs)

    # --- saving --------------------------------------------------------------------------------------
    def _should_save_model(self, epoch, batch, logs, filepath):
        logs = logs or {}
        if not self.save_best_only:
            if self.verbose > 0:
                io_utils.print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=2)
            return True
        if isinstance(current, (np.ndarray, torch.Tensor)) and len(current.shape) > 0:
            warnings.warn(
                f"Can save best model only when `monitor` is a scalar value. Received: {current}. "
                "Falling back to `save_best_only=False`."
            )
            return True
        if self.monitor_op is None:
            self._set_monitor_op()
        best_str = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                io_utils.print_msg(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {best_str} to {current:.5f}, "
                    f"saving model to {filepath}"
                )
            self.best = current
            return True
        if self.verbose > 0:
            io_utils.print_msg(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best_str}")
        return False

    def _save_model(self, epoch, batch, logs):
        filepath = self._get_file_path(epoch, batch, logs or {})
        try:
            if not self._should_save_model(epoch, batch, logs, filepath):
                return
            dirname = os.path.dirname(filepath)
            if dirname and not os.path.exists(dirname):
                os.makedirs(dirname, exist_ok=True)
            if self.save_weights_only:
                self.model.save_weights(filepath, overwrite=True)
            else:
                self.model.save(filepath, overwrite=True)
            if self.verbose > 0:
                io_utils.print_msg(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")
        except IsADirectoryError:
            raise IOError(
                "Please specify a non-directory filepath for ModelCheckpoint. Filepath used is an existing "
                f"directory: {filepath}"
            )

    def _get_file_path(self, epoch, batch, logs):
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". Reason: {e}')

    def _checkpoint_exists(self, filepath):
        return os.path.exists(filepath)

    def _get_most_recently_modified_file_matching_pattern(self, pattern):
        """The newest file whose name matches `pattern` (format fields match anything); ties go to the
        largest name. `None` if nothing matches."""
        dir_name = os.path.dirname(pattern) or "."
        base_regex = "^" + re.sub(r"{.*}", r".*", re.escape(os.path.basename(pattern)).replace(r"\{", "{")
                                  .replace(r"\}", "}")) + "$"
        latest_time, latest_path, n_latest, largest = 0, None, 0, None
        if not os.path.isdir(dir_name):
            return None
        for name in os.listdir(dir_name):
            if not re.match(base_regex, name):
                continue
            path = os.path.join(os.path.dirname(pattern), name)
            mtime = os.path.getmtime(path)
            if largest is None or path > largest:
                largest = path
            if mtime > latest_time:
                latest_time, latest_path, n_latest = mtime, path, 1
            elif mtime == latest_time:
                n_latest += 1
        return latest_path if n_latest == 1 else largest


def _check_extension(filepath, save_weights_only):
    if save_weights_only:
        if not filepath.endswith(_WEIGHTS_EXTENSIONS):
            raise ValueError(
                "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided must end in "
                f"`.weights.h5` (Keras weights format). Received: filepath={filepath}"
            )
    elif not filepath.endswith(_MODEL_EXTENSIONS):
        raise ValueError(f"The filepath provided must end in `.keras` (Keras model format). Received: "
                         f"filepath={filepath}")
