"""`keras.callbacks.SwapEMAWeights`: evaluate (and optionally checkpoint) with the EMA of the weights."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.callbacks.callback import Callback


@keras_export("keras.callbacks.SwapEMAWeights")
class SwapEMAWeights(Callback):
    """Put the optimizer's exponential moving average of the weights into the model for evaluation and
    prediction, and put the trained weights back afterwards. The optimizer must use `use_ema=True`.

    With `swap_on_epoch=True` the averages are also in the model from each epoch end to the next epoch
    start, so that callbacks after this one (e.g. `ModelCheckpoint`) see them.
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False
        self._saved = None
        self._swapped_for = None

    def _ema_pairs(self):
        """`[(model variable, its average)]` for every optimizer with `use_ema=True`."""
        optimizer = self.model.optimizer
        if hasattr(optimizer, "inner_optimizer"):  # LossScaleOptimizer
            optimizer = optimizer.inner_optimizer
        inner = getattr(optimizer, "optimizers", None)
        if isinstance(inner, (list, tuple)):
            if not any(getattr(opt, "use_ema", False) for opt in inner):
                raise ValueError(
                    "SwapEMAWeights must be used when at least one inner optimizer has `use_ema=True` set. "
                    "Received a MultiOptimizer with all inner optimizers having `use_ema=False`."
                )
            optimizers = [opt for opt in inner if getattr(opt, "use_ema", False)]
        else:
            optimizers = [optimizer]
        pairs = []
        for opt in optimizers:
            averages = getattr(opt, "_model_variables_moving_average", None)
            if not getattr(opt, "use_ema", False) or averages is None:
                raise ValueError(
                    "SwapEMAWeights must be used when `use_ema=True` is set on the optimizer. "
                    f"Received: use_ema={getattr(opt, 'use_ema', False)}"
                )
            variables = getattr(opt, "_trainable_variables", None) or []
            pairs.extend((v, a) for v, a in zip(variables, averages) if a is not None)
        return pairs

    def _swap_in(self):
        """Keep the trained values aside and copy the averages into the model (device copies)."""
        pairs = self._ema_pairs()
        with torch.no_grad():
            self._saved = [(v, v.detach().clone()) for v, _ in pairs]
            for v, a in pairs:
                v.copy_(a)
        self._ema_weights_in_model = True

    def _swap_out(self):
        with torch.no_grad():
            for v, saved in self._saved or []:
                v.copy_(saved)
        self._saved = None
        self._ema_weights_in_model = False

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch and self._ema_weights_in_model:
            self._swap_out()

    def on_epoch_end(self, epoch, logs=None):
        # The averages stay untouched in the optimizer, so `finalize_variable_values` at the end of `fit`
        # gives the model its averages whenever training stops.
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap_in()

    def on_train_end(self, logs=None):
        self._saved = None
        self._ema_weights_in_model = False

    def on_test_begin(self, logs=None):
        if not self._ema_weights_in_model:
            self._swap_in()
            self._swapped_for = "test"

    def on_test_end(self, logs=None):
        if self._ema_weights_in_model and self._swapped_for == "test":
            self._swap_out()
        self._swapped_for = None

    def on_predict_begin(self, logs=None):
        if not self._ema_weights_in_model:
            self._swap_in()
            self._swapped_for = "predict"

    def on_predict_end(self, logs=None):
        if self._ema_weights_in_model and self._swapped_for == "predict":
            self._swap_out()
        self._swapped_for = None
