"""Keras 2's model API that Keras 3 removed: `*_generator`, `predict_classes`, `predict_proba`, Keras 2's
`metrics_names`, and `workers`/`use_multiprocessing`/`max_queue_size` in `fit`/`evaluate`/`predict`."""
import threading
import warnings

import numpy as np
import pytest

import torchkeras as keras
from torchkeras.utils import PyDataset

RNG = np.random.default_rng(0)
X = RNG.random((24, 4)).astype("float32")
Y_BIN = (X.sum(axis=1, keepdims=True) > 2).astype("float32")
Y_CAT = np.eye(3, dtype="float32")[np.arange(24) % 3]


def mlp(units=3, activation="softmax"):
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation="relu"),
                              keras.layers.Dense(units, activation=activation)])
    return model


def batches(x, y, batch_size=8, forever=True):
    while True:
        for i in range(0, len(x), batch_size):
            yield x[i:i + batch_size], y[i:i + batch_size]
        if not forever:
            return


class Seq(PyDataset):
    def __init__(self, x, y, batch_size=8, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.threads = set()

    def __len__(self):
        return len(self.x) // self.batch_size

    def __getitem__(self, i):
        self.threads.add(threading.current_thread().name)
        s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return self.x[s], self.y[s]


def deprecations(record):
    return [str(w.message) for w in record if issubclass(w.category, DeprecationWarning)]


def test_fit_generator_trains_like_fit_on_the_same_batches(fresh_warnings):
    a, b = mlp(), mlp()
    for m in (a, b):
        m.compile("sgd", "categorical_crossentropy", metrics=["acc"])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        ha = a.fit_generator(batches(X, Y_CAT), steps_per_epoch=3, epochs=2, verbose=0)
        a.fit_generator(batches(X, Y_CAT), steps_per_epoch=1, epochs=1, verbose=0)
    hb = b.fit(batches(X, Y_CAT), steps_per_epoch=3, epochs=2, verbose=0)
    b.fit(batches(X, Y_CAT), steps_per_epoch=1, epochs=1, verbose=0)
    messages = [m for m in deprecations(record) if "fit_generator" in m]
    assert len(messages) == 1 and "Model.fit()" in messages[0]
    assert ha.history.keys() == hb.history.keys() == {"loss", "acc"}
    np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-6)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6)


def test_fit_generator_positional_arguments_and_validation_generator():
    model = mlp()
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    # Keras 2.3's order: generator, steps_per_epoch, epochs, verbose, callbacks, validation_data, ...
    history = model.fit_generator(batches(X, Y_CAT), 2, 2, 0, None, batches(X, Y_CAT), 1)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(history.history["val_loss"]) == 2


def test_evaluate_and_predict_generator_match_modern_calls():
    model = mlp()
    model.compile("sgd", "categorical_crossentropy", metrics=["acc"])
    expected = model.evaluate(X, Y_CAT, batch_size=8, verbose=0)
    np.testing.assert_allclose(model.evaluate_generator(batches(X, Y_CAT), steps=3), expected, rtol=1e-6)
    np.testing.assert_allclose(model.evaluate_generator(Seq(X, Y_CAT), workers=2), expected, rtol=1e-6)
    predicted = model.predict_generator((X[i:i + 8] for i in range(0, 24, 8)), steps=3)
    # batches of 8 against one batch of 24: float32 kernels depend on the batch size
    np.testing.assert_allclose(predicted, model.predict(X, verbose=0), rtol=1e-5, atol=1e-6)


def test_predict_classes_and_proba(fresh_warnings):
    model = mlp()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        classes = model.predict_classes(X)
        proba = model.predict_proba(X)
    probs = model.predict(X, verbose=0)
    np.testing.assert_array_equal(classes, probs.argmax(axis=-1))
    np.testing.assert_allclose(proba, probs)
    text = " ".join(deprecations(record))
    assert "predict_classes" in text and "np.argmax(model.predict(x), axis=-1)" in text
    assert "predict_proba" in text and "Model.predict()" in text
    binary = mlp(1, "sigmoid")
    out = binary.predict(X, verbose=0)
    np.testing.assert_array_equal(binary.predict_classes(X), (out > 0.5).astype("int32"))
    assert binary.predict_classes(X).dtype == np.int32
    linear = mlp(1, None)
    linear.layers[-1].bias.assign(np.array([5.0], "float32"))
    with pytest.warns(UserWarning, match="invalid probability values"):
        linear.predict_proba(X)


def test_metrics_names_line_up_with_evaluate_before_and_after_training():
    inputs = keras.Input((4,))
    a = keras.layers.Dense(3, activation="softmax", name="a")(inputs)
    b = keras.layers.Dense(1, activation="sigmoid", name="b")(inputs)
    model = keras.Model(inputs, [a, b])
    model.compile("sgd", ["categorical_crossentropy", "binary_crossentropy"], metrics=["acc"])
    before = model.metrics_names
    assert before == ["loss", "a_loss", "b_loss", "a_acc", "b_acc"]
    results = model.evaluate(X, [Y_CAT, Y_BIN], verbose=0)
    logs = model.evaluate(X, [Y_CAT, Y_BIN], verbose=0, return_dict=True)
    assert model.metrics_names == before
    np.testing.assert_allclose(results, [logs[name] for name in model.metrics_names])
    single = mlp()
    single.compile("sgd", "categorical_crossentropy", metrics=["acc", "mae"])
    assert single.metrics_names == ["loss", "acc", "mae"]
    single.fit(X, Y_CAT, verbose=0)
    assert single.metrics_names == ["loss", "acc", "mae"]
    assert mlp().metrics_names == []


def test_workers_run_a_py_dataset_in_a_thread_pool_and_match_single_threaded():
    a, b = mlp(), mlp()
    for m in (a, b):
        m.compile("sgd", "categorical_crossentropy")
    serial, pooled = Seq(X, Y_CAT), Seq(X, Y_CAT)
    ha = a.fit(serial, epochs=2, shuffle=False, verbose=0)
    hb = b.fit(pooled, epochs=2, shuffle=False, verbose=0, workers=3, use_multiprocessing=False,
               max_queue_size=2)
    assert serial.threads == {threading.main_thread().name}
    assert any(name != threading.main_thread().name for name in pooled.threads)
    np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-6)
    np.testing.assert_allclose(a.predict(Seq(X, Y_CAT)), b.predict(Seq(X, Y_CAT), workers=2), rtol=1e-6)


def test_generator_is_read_ahead_with_workers_in_order():
    reader_threads = set()

    def gen():
        for i in range(0, 24, 8):
            reader_threads.add(threading.current_thread().name)
            yield X[i:i + 8], Y_CAT[i:i + 8]

    model = mlp()
    model.compile("sgd", "categorical_crossentropy")
    plain = model.evaluate(gen(), verbose=0)
    assert reader_threads == {threading.main_thread().name}
    reader_threads.clear()
    ahead = model.evaluate(gen(), verbose=0, workers=2, max_queue_size=1)
    assert "keras-generator-reader" in reader_threads  # (the first batch is peeked when fit starts)
    np.testing.assert_allclose(ahead, plain, rtol=1e-6)
    with pytest.warns(UserWarning, match="cannot be shared between processes"):
        out = model.predict((X[i:i + 8] for i in range(0, 24, 8)), use_multiprocessing=True, verbose=0)
    np.testing.assert_allclose(out, model.predict(X, verbose=0), rtol=1e-5, atol=1e-6)  # batches of 8 vs 24


def test_generator_errors_reach_the_caller_through_the_reader_thread():
    def broken():
        yield X[:8], Y_CAT[:8]
        raise RuntimeError("bad batch")

    model = mlp()
    model.compile("sgd", "categorical_crossentropy")
    with pytest.raises(RuntimeError, match="bad batch"):
        model.fit(broken(), steps_per_epoch=3, verbose=0, workers=2)
