"""`keras.losses.get`, `serialize` and `deserialize`: losses by name, config or object."""
from torchkeras.api_export import keras_export
from torchkeras.losses import circle_loss as _circle
from torchkeras.losses import crossentropy as _ce
from torchkeras.losses import ctc_loss as _ctc
from torchkeras.losses import hinge_losses as _hinge
from torchkeras.losses import probabilistic as _prob
from torchkeras.losses import regression as _reg
from torchkeras.losses import segmentation as _seg
from torchkeras.losses.function_configs import deserialize_function
from torchkeras.losses.function_configs import serialize_object
from torchkeras.losses.label_kind import label_kind
from torchkeras.losses.loss import Loss
from torchkeras.losses.wrapper import LossFunctionWrapper
from torchkeras.utils.identifier_utils import get_builtin
from torchkeras.saving import serialization_lib

ALL_OBJECTS = (
    Loss, LossFunctionWrapper,
    _reg.MeanSquaredError, _reg.MeanAbsoluteError, _reg.MeanAbsolutePercentageError,
    _reg.MeanSquaredLogarithmicError, _reg.CosineSimilarity, _reg.Huber, _reg.LogCosh,
    _ce.BinaryCrossentropy, _ce.BinaryFocalCrossentropy, _ce.CategoricalCrossentropy,
    _ce.CategoricalFocalCrossentropy, _ce.SparseCategoricalCrossentropy,
    _prob.KLDivergence, _prob.Poisson, _prob.CategoricalGeneralizedCrossEntropy,
    _hinge.Hinge, _hinge.SquaredHinge, _hinge.CategoricalHinge,
    _seg.Dice, _seg.Tversky, _ctc.CTC, _circle.Circle,
    _reg.mean_squared_error, _reg.mean_absolute_error, _reg.mean_absolute_percentage_error,
    _reg.mean_squared_logarithmic_error, _reg.cosine_similarity, _reg.huber, _reg.log_cosh,
    _ce.binary_crossentropy, _ce.binary_focal_crossentropy, _ce.categorical_crossentropy,
    _ce.categorical_focal_crossentropy, _ce.sparse_categorical_crossentropy,
    _prob.kl_divergence, _prob.poisson, _prob.categorical_generalized_cross_entropy,
    _hinge.hinge, _hinge.squared_hinge, _hinge.categorical_hinge,
    _seg.dice, _seg.tversky, _ctc.ctc, _circle.circle,
)

ALL_OBJECTS_DICT = {obj.__name__: obj for obj in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({
    "bce": _ce.binary_crossentropy, "BCE": _ce.binary_crossentropy,
    "kld": _prob.kl_divergence, "KLD": _prob.kl_divergence,
    "mae": _reg.mean_absolute_error, "MAE": _reg.mean_absolute_error,
    "mse": _reg.mean_squared_error, "MSE": _reg.mean_squared_error,
    "mape": _reg.mean_absolute_percentage_error, "MAPE": _reg.mean_absolute_percentage_error,
    "msle": _reg.mean_squared_logarithmic_error, "MSLE": _reg.mean_squared_logarithmic_error,
})
# Keras 2 names that Keras 3 dropped; Keras 2 scripts still use them.
KERAS2_ALIASES = {
    "logcosh": _reg.log_cosh,
    "kullback_leibler_divergence": _prob.kl_divergence,
    "huber_loss": _reg.huber,
    "cosine_proximity": _reg.cosine_similarity,
}
ALL_OBJECTS_DICT.update(KERAS2_ALIASES)


def builtin_function(name):
    """The built-in loss function called `name` (including short and Keras 2 names), or None."""
    found = ALL_OBJECTS_DICT.get(name) if isinstance(name, str) else None
    return found if callable(found) and not isinstance(found, type) else None


@keras_export("keras.losses.serialize")
def serialize(loss):
    """The Keras 3 config of a loss (a dict; a built-in function becomes a function reference)."""
    return serialize_object(loss)


@keras_export("keras.losses.deserialize")
def deserialize(name, custom_objects=None):
    """A loss function or `Loss` instance from its name or config (Keras 3 or Keras 2 format)."""
    if isinstance(name, str) and name in ALL_OBJECTS_DICT and not (custom_objects and name in custom_objects):
        return ALL_OBJECTS_DICT[name]
    if isinstance(name, dict) and name.get("class_name") == "function":
        return deserialize_function(name, builtin_function, custom_objects)
    return serialization_lib.deserialize_keras_object(name, module_objects=ALL_OBJECTS_DICT,
                                                      custom_objects=custom_objects)


@keras_export("keras.losses.get")
def get(identifier):
    """Retrieve a loss: a name (`"mse"`, `"binary_crossentropy"`, `"BinaryCrossentropy"`, ...), a config dict, a
    function or a `Loss`. A class name gives an instance; a function name gives the function. A torch loss
    module (`torch.nn.CrossEntropyLoss()`) is wrapped to be called as `loss(y_pred, y_true)`."""
    from torchkeras.losses import torch_loss

    if torch_loss.is_torch_loss(identifier):
        return torch_loss.TorchLossWrapper(identifier)
    return get_builtin(identifier, "loss", ALL_OBJECTS_DICT, deserialize)


_CROSSENTROPY = {
    "binary": _ce.binary_crossentropy,
    "sparse": _ce.sparse_categorical_crossentropy,
    "categorical": _ce.categorical_crossentropy,
}


def resolve_crossentropy(y_true, y_pred):
    """The cross-entropy that `compile(loss="crossentropy")` (or `"ce"`) means for these shapes
    (binary, sparse or categorical, as `label_kind` decides)."""
    return _CROSSENTROPY[label_kind(y_true, y_pred)]
