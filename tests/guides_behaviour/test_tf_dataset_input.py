"""`fit`/`evaluate`/`predict` read a `tf.data.Dataset` as Keras's torch backend does: recognised by its class
(TensorFlow is never imported by torchkeras), iterated afresh each epoch, `shuffle=True` ignored with Keras's
warning, `class_weight` turned into per-sample weights, `y`/`sample_weight` refused. A stand-in class under
TensorFlow's module path plays the dataset here (CI has no TensorFlow; compat_tests runs the real one)."""
import warnings

import numpy as np
import pytest

import torchkeras as keras
from torchkeras.trainers.data_adapters import get_data_adapter
from torchkeras.trainers.data_adapters.tf_dataset_adapter import TFDatasetAdapter
from torchkeras.trainers.data_adapters.tf_dataset_adapter import is_tf_dataset


class DatasetV2:
    """Iterates batches of NumPy arrays, as a batched tf.data.Dataset iterates tensors."""

    def __init__(self, *arrays, batch_size=4):
        self.arrays, self.batch_size, self.epochs = arrays, batch_size, 0

    def __iter__(self):
        self.epochs += 1
        n = len(self.arrays[0])
        for start in range(0, n, self.batch_size):
            parts = tuple(a[start:start + self.batch_size] for a in self.arrays)
            yield parts if len(parts) > 1 else parts[0]


DatasetV2.__module__ = "tensorflow.python.data.ops.dataset_ops"


class Batched(DatasetV2):  # what `.batch()` returns: a subclass
    pass


def _data(n=8):
    rng = np.random.default_rng(0)
    return rng.random((n, 3), dtype=np.float32), rng.integers(0, 2, (n, 1))


def _model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, kernel_initializer="ones")])
    model.compile(keras.optimizers.SGD(0.0), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def test_recognised_by_class_like_keras():
    assert is_tf_dataset(Batched(*_data()))
    assert not is_tf_dataset(iter([]))
    assert isinstance(get_data_adapter(Batched(*_data())), TFDatasetAdapter)


def test_each_epoch_iterates_the_dataset_again():
    x, y = _data()
    dataset = Batched(x, y)
    history = _model().fit(dataset, epochs=3, shuffle=False, verbose=0)
    assert len(history.history["loss"]) == 3
    assert dataset.epochs >= 3


def test_shuffle_is_ignored_with_keras_warning():
    x, y = _data()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _model().fit(Batched(x, y), verbose=0)
    assert any("provided as a tf.data.Dataset" in str(w.message) for w in caught)


def test_class_weight_weights_the_samples_as_arrays_do():
    x, y = _data(16)
    weights = {0: 1.0, 1: 3.0}
    from_dataset = _model().fit(Batched(x, y, batch_size=16), class_weight=weights, shuffle=False, verbose=0)
    from_arrays = _model().fit(x, y, batch_size=16, class_weight=weights, shuffle=False, verbose=0)
    np.testing.assert_allclose(from_dataset.history["loss"], from_arrays.history["loss"], rtol=1e-6)


def test_class_weight_with_sample_weight_is_refused():
    x, y = _data()
    with pytest.raises(ValueError, match="class_weight"):
        _model().fit(Batched(x, y, np.ones(8, "float32")), class_weight={0: 1.0}, shuffle=False, verbose=0)


def test_targets_beside_a_dataset_are_refused():
    x, y = _data()
    with pytest.raises(ValueError, match="tf.data.Dataset"):
        _model().fit(Batched(x, y), y=y, verbose=0)


def test_predict_and_evaluate():
    x, y = _data()
    model = _model()
    assert model.predict(Batched(x), verbose=0).shape == (8, 2)
    assert np.isfinite(model.evaluate(Batched(x, y), verbose=0))
