"""`keras.callbacks.TerminateOnNaN`: stop training when the loss becomes NaN or infinite."""
import math

import torch

from torchkeras.api_export import keras_export
from torchkeras.callbacks.callback import Callback
from torchkeras.callbacks.lazy_logs import LazyLogs
from torchkeras.utils import io_utils


@keras_export("keras.callbacks.TerminateOnNaN")
class TerminateOnNaN(Callback):
    """Stop training as soon as a batch's `loss` is NaN or infinite.

    Training stops cleanly after that batch (the epoch still ends, so `on_epoch_end` runs and the history
    records the NaN). With `raise_error=True` a `RuntimeError` is raised instead.
    """

    # Only the loss is read: one device-to-host read of a single scalar per batch.
    _accepts_lazy_logs = True

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = _loss_of(logs)
        if loss is None:
            return
        if isinstance(loss, torch.Tensor):
            if bool(torch.isfinite(loss.detach()).all()):
                return
            loss = float(loss.detach().float().reshape(-1)[0]) if loss.numel() else float("nan")
        else:
            loss = float(loss)
            if math.isfinite(loss):
                return
        if self.raise_error:
            raise RuntimeError(
                f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. Terminating training "
                "immediately."
            )
        io_utils.print_msg(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True


def _loss_of(logs):
    if isinstance(logs, LazyLogs):
        logs = logs.raw()
    if not logs:
        return None
    return logs.get("loss")
