"""What `fit`/`evaluate`/`predict` accept besides arrays: generators, iterators, PyDataset (with workers),
Keras 2 Sequences, torch Datasets and DataLoaders, and datasets built by `keras.utils`."""
import threading
import warnings

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras.utils import dataset_utils


def _data(n=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x.sum(axis=1, keepdims=True) > 0).astype("float32")
    return x, y


def _model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def _batches(x, y, batch_size=8, sample_weight=None):
    for i in range(0, len(x), batch_size):
        if sample_weight is None:
            yield x[i:i + batch_size], y[i:i + batch_size]
        else:
            yield x[i:i + batch_size], y[i:i + batch_size], sample_weight[i:i + batch_size]


def _array_history(x, y, epochs=1, **kwargs):
    return _model().fit(x, y, batch_size=8, epochs=epochs, shuffle=False, verbose=0, **kwargs).history["loss"]


def test_generator_matches_arrays():
    x, y = _data()
    expected = _array_history(x, y)
    got = _model().fit(_batches(x, y), epochs=1, verbose=0).history["loss"]
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_generator_with_sample_weight_matches_arrays():
    x, y = _data()
    sw = np.linspace(0.1, 2.0, len(x)).astype("float32")
    expected = _array_history(x, y, sample_weight=sw)
    got = _model().fit(_batches(x, y, sample_weight=sw), verbose=0).history["loss"]
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_infinite_generator_with_steps_per_epoch():
    x, y = _data()

    def forever():
        while True:
            yield from _batches(x, y)

    model = _model()
    history = model.fit(forever(), steps_per_epoch=4, epochs=3, validation_data=forever(), validation_steps=2,
                        verbose=0)
    assert len(history.history["loss"]) == 3 and len(history.history["val_loss"]) == 3
    assert int(model.optimizer.iterations) == 12
    loss = model.evaluate(forever(), steps=3, verbose=0)
    assert np.isfinite(loss)
    assert model.predict(forever(), steps=2, verbose=0).shape == (16, 1)


def test_plain_iterator():
    x, y = _data()
    model = _model()
    model.fit(iter(list(_batches(x, y))), verbose=0)
    assert model.predict(iter([x[:5], x[5:9]]), verbose=0).shape == (9, 1)


def test_exhausted_generator_error():
    x, y = _data()
    gen = _batches(x, y)
    list(gen)
    with pytest.raises(ValueError, match="exhausted"):
        _model().fit(gen, verbose=0)


def test_generator_running_out_during_fit_warns():
    x, y = _data(16)
    with pytest.warns(UserWarning, match="ran out of data"):
        history = _model().fit(_batches(x, y), steps_per_epoch=2, epochs=3, verbose=0)
    assert len(history.history["loss"]) >= 1


@pytest.mark.parametrize("bad", [
    lambda x, y: (x, y, y, y),
    lambda x, y: [x, y, y, y, y],
])
def test_malformed_generator_batch_error(bad):
    x, y = _data()
    with pytest.raises(ValueError, match=r"\(x, y, sample_weight\)"):
        _model().fit((bad(x[i:i + 8], y[i:i + 8]) for i in range(0, 32, 8)), verbose=0)


def test_generator_rejects_y_and_sample_weight():
    x, y = _data()
    with pytest.raises(ValueError, match="`y` should not be passed"):
        _model().fit(_batches(x, y), y, verbose=0)
    with pytest.raises(ValueError, match="`sample_weight` should not be passed"):
        _model().fit(_batches(x, y), sample_weight=np.ones(32), verbose=0)


class Batches(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size=8, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.threads = set()
        self.epochs_ended = 0

    def __len__(self):
        return int(np.ceil(len(self.x) / self.batch_size))

    def __getitem__(self, index):
        self.threads.add(threading.get_ident())
        s = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[s], self.y[s]

    def on_epoch_end(self):
        self.epochs_ended += 1


@pytest.mark.parametrize("kwargs", [{}, {"workers": 3}, {"workers": 2, "max_queue_size": 1}])
def test_py_dataset_matches_arrays(kwargs):
    x, y = _data()
    expected = _array_history(x, y, epochs=2)
    ds = Batches(x, y, **kwargs)
    got = _model().fit(ds, epochs=2, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert ds.epochs_ended == 2
    if kwargs.get("workers", 1) > 1:
        assert threading.get_ident() not in ds.threads


def test_py_dataset_multiprocessing():
    x, y = _data()
    expected = _array_history(x, y)
    ds = Batches(x, y, workers=2, use_multiprocessing=True)
    got = _model().fit(ds, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert _model().predict(ds, verbose=0).shape == (32, 1)


def test_py_dataset_shuffle_visits_every_batch_once():
    x, y = _data()
    seen = []

    class Recording(Batches):
        def __getitem__(self, index):
            seen.append(index)
            return super().__getitem__(index)

    _model().fit(Recording(x, y), epochs=1, shuffle=True, verbose=0)
    assert sorted(seen) == [0, 1, 2, 3]


def test_infinite_py_dataset_with_steps():
    x, y = _data()

    class Endless(keras.utils.PyDataset):
        @property
        def num_batches(self):
            return None

        def __getitem__(self, index):
            i = index % 4
            return x[i * 8:(i + 1) * 8], y[i * 8:(i + 1) * 8]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = _model()
        model.fit(Endless(), steps_per_epoch=3, epochs=2, verbose=0)
    assert int(model.optimizer.iterations) == 6


def test_py_dataset_malformed_batch_error():
    class Bad(keras.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, index):
            return {1, 2}

    with pytest.raises(ValueError, match="must return a tuple or a dict"):
        _model().fit(Bad(), verbose=0)


def test_py_dataset_class_weight():
    x, y = _data()
    weights = {0: 1.0, 1: 3.0}
    sw = np.where(y[:, 0] > 0, 3.0, 1.0).astype("float32")
    expected = _array_history(x, y, sample_weight=sw)
    got = _model().fit(Batches(x, y), class_weight=weights, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_keras2_sequence_alias():
    x, y = _data()

    class Seq(keras.utils.Sequence):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return x[i * 8:(i + 1) * 8], y[i * 8:(i + 1) * 8]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = _model().fit(Seq(), shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(got, _array_history(x, y), rtol=1e-6)


def test_torch_dataset_and_dataloader():
    x, y = _data()
    expected = _array_history(x, y)
    tensors = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    loader = torch.utils.data.DataLoader(tensors, batch_size=8, shuffle=False)
    got = _model().fit(loader, verbose=0).history["loss"]
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    got = _model().fit(tensors, batch_size=8, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    model = _model()
    assert model.predict(loader, verbose=0).shape == (32, 1)
    assert np.isfinite(model.evaluate(loader, verbose=0))


def test_dataloader_with_workers():
    x, y = _data()
    tensors = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    loader = torch.utils.data.DataLoader(tensors, batch_size=8, num_workers=2)
    got = _model().fit(loader, verbose=0).history["loss"]
    np.testing.assert_allclose(got, _array_history(x, y), rtol=1e-6)


def test_split_and_timeseries_datasets_in_fit():
    x, y = _data(40)
    left, right = dataset_utils.split_dataset((x, y), left_size=0.75)
    model = _model()
    history = model.fit(left, validation_data=right, batch_size=10, verbose=0, epochs=2)
    assert len(history.history["val_loss"]) == 2
    series = np.random.default_rng(1).normal(size=(50, 4)).astype("float32")
    windows = dataset_utils.timeseries_dataset_from_array(series, series[:, :1], sequence_length=3,
                                                          batch_size=8)
    seq_model = keras.Sequential([keras.Input((3, 4)), keras.layers.Flatten(), keras.layers.Dense(1)])
    seq_model.compile(optimizer="sgd", loss="mse")
    assert len(seq_model.fit(windows, epochs=2, verbose=0).history["loss"]) == 2
    assert seq_model.predict(windows, verbose=0).shape == (48, 1)


def test_keras2_timeseries_generator_in_fit():
    from torchkeras.preprocessing.sequence import TimeseriesGenerator

    series = np.random.default_rng(5).normal(size=(40, 4)).astype("float32")
    gen = TimeseriesGenerator(series, series[:, :1], length=3, batch_size=8)
    model = keras.Sequential([keras.Input((3, 4)), keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        history = model.fit(gen, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert model.predict(gen, verbose=0).shape == (37, 1)
