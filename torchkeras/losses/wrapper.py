"""`LossFunctionWrapper`: a `Loss` made from a function `fn(y_true, y_pred, **kwargs)` of per-sample values."""
from torchkeras.api_export import keras_export
from torchkeras.losses.function_configs import deserialize_function
from torchkeras.losses.function_configs import wrapper_arguments
from torchkeras.losses.function_configs import wrapper_config
from torchkeras.losses.loss import Loss
from torchkeras.losses.tensor_utils import has_data
from torchkeras.losses.tensor_utils import is_structure
from torchkeras.losses.tensor_utils import squeeze_or_expand_to_same_rank
from torchkeras.utils import tree


@keras_export("keras.losses.LossFunctionWrapper")
class LossFunctionWrapper(Loss):
    """Wrap a loss function `fn(y_true, y_pred, **kwargs)` (per-sample values) into a `Loss`.

    Before calling `fn`, ranks that differ by one are aligned (`(N,)` labels against `(N, 1)` predictions).
    """

    # Keras 3 does not export this class; it writes it under its source module.
    _keras_registered_name = ("keras.src.losses.losses", "LossFunctionWrapper")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._keras_registered_name = None

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if isinstance(fn, str):
            fn = deserialize_function(fn, _builtin_loss_function)
        self.fn = fn
        self._fn_kwargs = kwargs
        self._inputs_checked = False

    def call(self, y_true, y_pred):
        if is_structure(y_true) or is_structure(y_pred):
            pairs = [squeeze_or_expand_to_same_rank(t, p)
                     for t, p in zip(tree.flatten(y_true), tree.flatten(y_pred))]
            y_true = tree.pack_sequence_as(y_true, [t for t, _ in pairs])
            y_pred = tree.pack_sequence_as(y_pred, [p for _, p in pairs])
        else:
            y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if not self._inputs_checked and has_data(y_pred):
            # Validate inputs once, on the first batch (a check per batch would cost a device sync).
            check = getattr(self.fn, "_keras_check_inputs", None)
            if check is not None:
                check(y_true, y_pred, **self._fn_kwargs)
                self._checked_pred_shape = tuple(y_pred.shape)  # lets the trainer check whole label arrays
            self._inputs_checked = True
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        return wrapper_config(super().get_config(), self.fn, self._fn_kwargs)

    @classmethod
    def from_config(cls, config):
        return cls(**wrapper_arguments(config, _builtin_loss_function))

    def __repr__(self):
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


def _builtin_loss_function(name):
    from torchkeras.losses.identifiers import builtin_function

    return builtin_function(name)
