"""`keras.metrics.get` / `serialize` / `deserialize`, Keras 2 names and configs, and accuracy resolution."""
import numpy as np
import pytest

import torchkeras.metrics as M
from torchkeras.metrics import resolve_accuracy


@pytest.mark.parametrize("identifier, cls, name", [
    ("accuracy", M.Accuracy, "accuracy"), ("acc", M.Accuracy, "accuracy"), ("ACC", M.Accuracy, "accuracy"),
    ("AUC", M.AUC, "auc"), ("auc", M.AUC, None), ("mae", M.MeanAbsoluteError, "mean_absolute_error"),
    ("mse", M.MeanSquaredError, "mean_squared_error"), ("MSE", M.MeanSquaredError, "mean_squared_error"),
    ("binary_accuracy", M.BinaryAccuracy, "binary_accuracy"), ("bce", M.BinaryCrossentropy, "binary_crossentropy"),
    ("precision", M.Precision, None), ("Recall", M.Recall, None), ("mean_io_u", None, None),
    ("kld", M.KLDivergence, "kl_divergence"), ("logcosh", M.LogCoshError, "logcosh"),
    ("top_k_categorical_accuracy", M.TopKCategoricalAccuracy, "top_k_categorical_accuracy"),
])
def test_string_identifiers_give_instances(identifier, cls, name):
    if cls is None:
        with pytest.raises(TypeError):  # needs constructor arguments, as in Keras
            M.get(identifier)
        return
    metric = M.get(identifier)
    assert type(metric) is cls
    if name is not None:
        assert metric.name == name


def test_unknown_identifier_error():
    with pytest.raises(ValueError, match="Could not interpret metric identifier: acuracy"):
        M.get("acuracy")


def test_functions_objects_and_none_pass_through():
    metric = M.AUC()
    assert M.get(metric) is metric
    assert M.get(M.binary_accuracy) is M.binary_accuracy
    assert M.get(None) is None


def test_module_aliases():
    assert M.mse is M.mean_squared_error and M.acc is M.accuracy and M.logcosh is M.log_cosh


@pytest.mark.parametrize("metric", [
    M.AUC(num_thresholds=20, curve="PR", multi_label=True, label_weights=[0.5, 1.0]),
    M.AUC(thresholds=[0.2, 0.7]), M.Precision(thresholds=[0.3, 0.6], top_k=2, class_id=1), M.Recall(),
    M.BinaryAccuracy(threshold=0.3), M.TopKCategoricalAccuracy(k=3), M.F1Score(average="macro", threshold=0.4),
    M.FBetaScore(beta=2.0), M.MeanIoU(num_classes=4, ignore_class=0), M.IoU(3, [1, 2]), M.R2Score(num_regressors=1),
    M.SensitivityAtSpecificity(0.4, num_thresholds=10), M.CategoricalCrossentropy(label_smoothing=0.1),
    M.SparseCategoricalCrossentropy(from_logits=True), M.Mean(name="m"), M.TruePositives(thresholds=[0.2, 0.4]),
])
def test_serialize_round_trip(metric):
    config = M.serialize(metric)
    assert config["module"] == "keras.metrics" and config["class_name"] == type(metric).__name__
    rebuilt = M.deserialize(config)
    assert type(rebuilt) is type(metric) and rebuilt.get_config() == metric.get_config()


def test_mean_metric_wrapper_round_trip_and_keras2_config():
    wrapper = M.MeanMetricWrapper(M.binary_accuracy, name="acc", threshold=0.3)
    rebuilt = M.deserialize(M.serialize(wrapper))
    assert rebuilt._fn is M.binary_accuracy and rebuilt._fn_kwargs == {"threshold": 0.3} and rebuilt.name == "acc"
    # What a Keras 2 HDF5 file stores in its training_config:
    keras2 = {"class_name": "MeanMetricWrapper",
              "config": {"name": "accuracy", "dtype": "float32", "fn": "sparse_categorical_accuracy"}}
    metric = M.deserialize(keras2)
    assert metric.name == "accuracy" and metric._fn is M.sparse_categorical_accuracy
    metric.update_state([1, 0], np.array([[0.2, 0.8], [0.3, 0.7]]))
    assert metric.result().item() == 0.5


def test_resolve_accuracy_by_shapes():
    assert resolve_accuracy(np.zeros((4, 1)), np.zeros((4, 1))) is M.binary_accuracy
    assert resolve_accuracy(np.zeros(4), np.zeros((4, 1))) is M.binary_accuracy
    assert resolve_accuracy(np.zeros(4), np.zeros((4, 3))) is M.sparse_categorical_accuracy
    assert resolve_accuracy(np.zeros((4, 1)), np.zeros((4, 3))) is M.sparse_categorical_accuracy
    assert resolve_accuracy(np.zeros((4, 3)), np.zeros((4, 3))) is M.categorical_accuracy  # also multi-label
