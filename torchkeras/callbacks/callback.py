"""`keras.callbacks.Callback`: the base class of objects that hook into training, evaluation and prediction."""
from torchkeras.api_export import keras_export


@keras_export("keras.callbacks.Callback")
class Callback:
    """Override any of the `on_*` hooks. `self.model` is the model being trained, `self.params` holds
    `verbose`, `epochs` and `steps`."""

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        model = self._model
        # A model wrapped by DistributedDataParallel is reported unwrapped.
        return getattr(model, "_keras_model", model)

    def on_batch_begin(self, batch, logs=None):
        """A backwards compatibility alias for `on_train_batch_begin`."""

    def on_batch_end(self, batch, logs=None):
        """A backwards compatibility alias for `on_train_batch_end`."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of an epoch (training only)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch with the epoch's metric results (and `val_*` ones)."""

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called at the start of a batch in `evaluate` (and in fit's validation)."""

    def on_test_batch_end(self, batch, logs=None):
        """Called at the end of a batch in `evaluate`, with the running metric results."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called at the start of a batch in `predict`."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called at the end of a batch in `predict`, with `{'outputs': batch_outputs}`."""

    def on_train_begin(self, logs=None):
        """Called at the beginning of training."""

    def on_train_end(self, logs=None):
        """Called at the end of training, with the last epoch's logs."""

    def on_test_begin(self, logs=None):
        """Called at the beginning of evaluation or validation."""

    def on_test_end(self, logs=None):
        """Called at the end of evaluation or validation, with the final metric results."""

    def on_predict_begin(self, logs=None):
        """Called at the beginning of prediction."""

    def on_predict_end(self, logs=None):
        """Called at the end of prediction."""
