"""`keras.metrics.get`, `serialize` and `deserialize`: metrics by name, config or object."""
from torchkeras.api_export import keras_export
from torchkeras.losses.function_configs import deserialize_function
from torchkeras.losses.function_configs import serialize_object
from torchkeras.losses.label_kind import label_kind
from torchkeras.metrics import accuracy_metrics as _acc
from torchkeras.metrics import auc as _auc
from torchkeras.metrics import confusion as _conf
from torchkeras.metrics import correlation as _corr
from torchkeras.metrics import f_score as _f
from torchkeras.metrics import hinge_metrics as _hinge
from torchkeras.metrics import iou as _iou
from torchkeras.metrics import metric as _metric
from torchkeras.metrics import probabilistic_metrics as _prob
from torchkeras.metrics import r2_score as _r2
from torchkeras.metrics import reduction_metrics as _red
from torchkeras.metrics import regression_metrics as _reg
from torchkeras.metrics import threshold_metrics as _thr
from torchkeras.metrics.reduction_metrics import builtin_metric_function
from torchkeras.saving import serialization_lib
from torchkeras.utils.identifier_utils import get_builtin
from torchkeras.utils.identifier_utils import name_table

ALL_OBJECTS = (
    _metric.Metric, _red.Mean, _red.Sum, _red.MeanMetricWrapper,
    _reg.MeanSquaredError, _reg.RootMeanSquaredError, _reg.MeanAbsoluteError, _reg.MeanAbsolutePercentageError,
    _reg.MeanSquaredLogarithmicError, _reg.CosineSimilarity, _reg.LogCoshError, _r2.R2Score,
    _auc.AUC, _conf.FalseNegatives, _conf.FalsePositives, _conf.Precision, _thr.PrecisionAtRecall, _conf.Recall,
    _thr.RecallAtPrecision, _thr.SensitivityAtSpecificity, _thr.SpecificityAtSensitivity, _conf.TrueNegatives,
    _conf.TruePositives, _corr.ConcordanceCorrelation, _corr.PearsonCorrelation,
    _hinge.Hinge, _hinge.SquaredHinge, _hinge.CategoricalHinge,
    _prob.KLDivergence, _prob.Poisson, _prob.BinaryCrossentropy, _prob.CategoricalCrossentropy,
    _prob.SparseCategoricalCrossentropy,
    _acc.Accuracy, _acc.BinaryAccuracy, _acc.CategoricalAccuracy, _acc.SparseCategoricalAccuracy,
    _acc.TopKCategoricalAccuracy, _acc.SparseTopKCategoricalAccuracy,
    _f.F1Score, _f.FBetaScore, _iou.IoU, _iou.BinaryIoU, _iou.MeanIoU, _iou.OneHotIoU, _iou.OneHotMeanIoU,
)

ALL_OBJECTS_DICT = name_table(ALL_OBJECTS)
ALL_OBJECTS_DICT.update({
    "bce": _prob.BinaryCrossentropy, "BCE": _prob.BinaryCrossentropy,
    "mse": _reg.MeanSquaredError, "MSE": _reg.MeanSquaredError,
    "mae": _reg.MeanAbsoluteError, "MAE": _reg.MeanAbsoluteError,
    "mape": _reg.MeanAbsolutePercentageError, "MAPE": _reg.MeanAbsolutePercentageError,
    "msle": _reg.MeanSquaredLogarithmicError, "MSLE": _reg.MeanSquaredLogarithmicError,
})
# Keras 2 names that Keras 3 dropped; Keras 2 scripts still use them.
KERAS2_ALIASES = {
    "acc": _acc.Accuracy, "ACC": _acc.Accuracy,
    "kld": _prob.KLDivergence, "KLD": _prob.KLDivergence, "kullback_leibler_divergence": _prob.KLDivergence,
    "logcosh": _reg.LogCoshError,
}
ALL_OBJECTS_DICT.update(KERAS2_ALIASES)


@keras_export("keras.metrics.serialize")
def serialize(metric):
    """The Keras 3 config of a metric."""
    return serialize_object(metric)


@keras_export("keras.metrics.deserialize")
def deserialize(config, custom_objects=None):
    """A metric (or metric function) from its name or config (Keras 3 or Keras 2 format)."""
    if isinstance(config, dict) and config.get("class_name") == "function":
        return deserialize_function(config, builtin_metric_function, custom_objects)
    return serialization_lib.deserialize_keras_object(config, module_objects=ALL_OBJECTS_DICT,
                                                      custom_objects=custom_objects)


@keras_export("keras.metrics.get")
def get(identifier):
    """Retrieve a metric: a name (`"accuracy"`, `"mae"`, `"AUC"`, `"binary_accuracy"`, ...), a config dict, a
    function or a `Metric`. Names always give a new `Metric` instance. A torchmetrics-style object
    (`update(preds, target)`, `compute()`, `reset()`) is wrapped in a `TorchMetricWrapper`."""
    from torchkeras.metrics import torch_metric

    if torch_metric.is_torch_metric(identifier):
        return torch_metric.TorchMetricWrapper(identifier)
    return get_builtin(identifier, "metric", ALL_OBJECTS_DICT, deserialize)


_ACCURACY = {
    "binary": _acc.binary_accuracy,
    "sparse": _acc.sparse_categorical_accuracy,
    "categorical": _acc.categorical_accuracy,
}


def resolve_accuracy(y_true, y_pred):
    """The accuracy function that `compile(metrics=["accuracy"])` (or `"acc"`) means for these shapes
    (binary, sparse or categorical, as `label_kind` decides)."""
    return _ACCURACY[label_kind(y_true, y_pred)]
