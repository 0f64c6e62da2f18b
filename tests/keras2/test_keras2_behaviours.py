"""Keras 2 behaviours that Keras 2 code relies on: bool targets with accuracy, `acc`/`val_acc` logs, monitor
callbacks with `mode="auto"` on `val_acc` and on missing keys, Keras 2 layer defaults."""
import os
import warnings

import numpy as np
import pytest
import torch

import torchkeras as keras

RNG = np.random.default_rng(0)
X = RNG.random((30, 4)).astype("float32")
LABELS = np.arange(30) % 3
Y_BOOL = np.eye(3, dtype=bool)[LABELS]


def classifier():
    keras.utils.set_random_seed(2)
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])


def test_bool_one_hot_targets_train_with_accuracy_like_float_targets():
    a, b = classifier(), classifier()
    for m in (a, b):
        m.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
    ha = a.fit(X, Y_BOOL, epochs=2, batch_size=10, shuffle=False, verbose=0)
    hb = b.fit(X, Y_BOOL.astype("float32"), epochs=2, batch_size=10, shuffle=False, verbose=0)
    for key in ("loss", "accuracy"):
        np.testing.assert_allclose(ha.history[key], hb.history[key], rtol=1e-6)


def test_accuracy_functions_take_bool_targets():
    pred = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]], "float32")
    onehot = np.array([[False, True], [False, True], [False, True]])
    np.testing.assert_array_equal(keras.metrics.categorical_accuracy(onehot, pred).numpy(), [1, 0, 1])
    np.testing.assert_array_equal(keras.metrics.top_k_categorical_accuracy(onehot, pred, k=1).numpy(), [1, 0, 1])
    np.testing.assert_array_equal(
        keras.metrics.binary_accuracy(np.array([[True], [False]]), np.array([[0.7], [0.6]], "float32")).numpy(),
        [[1], [0]])
    assert int(keras.ops.argmax(torch.tensor([[False, True, False]]), axis=-1)[0]) == 1


def test_acc_metric_logs_acc_and_val_acc():
    model = classifier()
    model.compile("sgd", "categorical_crossentropy", metrics=["acc"])
    history = model.fit(X, Y_BOOL, validation_split=0.2, verbose=0)
    assert set(history.history) == {"loss", "acc", "val_loss", "val_acc"}


@pytest.mark.parametrize("metric", ["acc", "accuracy"])
def test_model_checkpoint_on_val_acc_in_auto_mode(tmp_path, metric):
    model = classifier()
    model.compile("sgd", "categorical_crossentropy", metrics=[metric])
    path = os.path.join(tmp_path, "best.weights.h5")
    checkpoint = keras.callbacks.ModelCheckpoint(path, monitor="val_acc", mode="auto", save_best_only=True,
                                                 save_weights_only=True)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model.fit(X, Y_BOOL, validation_split=0.2, epochs=2, verbose=0, callbacks=[checkpoint])
    assert os.path.exists(path)
    missing = [w for w in record if "val_acc" in str(w.message)]
    if metric == "acc":  # logged: maximized, as Keras 2 did for every name containing "acc"
        assert checkpoint.monitor_op(1.0, 0.5) and not missing
    else:  # Keras 2.3 logs `val_accuracy`: the missing key warns and training goes on
        assert missing and "Can save best model only with val_acc available" in str(missing[0].message)


def test_early_stopping_and_reduce_lr_keep_training_when_the_key_is_missing():
    model = classifier()
    model.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
    callbacks = [keras.callbacks.EarlyStopping(monitor="val_acc", patience=0),
                 keras.callbacks.ReduceLROnPlateau(monitor="val_foo", patience=0)]
    with pytest.warns(UserWarning, match="not available"):
        history = model.fit(X, Y_BOOL, epochs=3, verbose=0, callbacks=callbacks)
    assert len(history.history["loss"]) == 3


def test_early_stopping_on_val_acc_maximizes():
    model = classifier()
    model.compile("sgd", "categorical_crossentropy", metrics=["acc"])
    stop = keras.callbacks.EarlyStopping(monitor="val_acc", patience=5)
    model.fit(X, Y_BOOL, validation_split=0.2, epochs=1, verbose=0, callbacks=[stop])
    assert stop.monitor_op(0.9, 0.1)


def test_average_pooling_default_pool_size_is_keras_2s(fresh_warnings):
    with pytest.warns(DeprecationWarning, match=r"AveragePooling2D\(pool_size=\(2, 2\)\)"):
        layer = keras.layers.AveragePooling2D()
    out = layer(torch.arange(16, dtype=torch.float32).reshape(1, 4, 4, 1))
    np.testing.assert_allclose(out.numpy().ravel(), [2.5, 4.5, 10.5, 12.5])
    assert keras.layers.AveragePooling1D().pool_size == (2,)
    assert keras.layers.AveragePooling3D().pool_size == (2, 2, 2)


def test_uint8_images_promote_like_keras():
    images = RNG.integers(0, 256, (2, 4, 4, 3), dtype=np.uint8)
    scaled = keras.ops.divide(keras.ops.convert_to_tensor(images), 255)
    assert scaled.dtype == torch.float32
    model = keras.Sequential([keras.Input((4, 4, 3)), keras.layers.Conv2D(2, 3)])
    assert model.predict(images, verbose=0).shape == (2, 2, 2, 2)


def test_k_gradients_inside_a_lambda_runs_in_fit_evaluate_and_predict():
    """mnist_swwae's max-pool switches: `K.gradients(K.sum(pooled), pre_pool)` in a Lambda (a list, unpacked
    because `output_shape` declares one tensor, as Keras 2 did)."""
    from torchkeras import backend as K

    inputs = keras.Input((4, 4, 1))
    pre = keras.layers.Conv2D(2, 3, padding="same")(inputs)
    pooled = keras.layers.MaxPooling2D(2)(pre)
    where = keras.layers.Lambda(lambda t: K.gradients(K.sum(t[1]), t[0]), output_shape=lambda s: s[0])([pre, pooled])
    out = keras.layers.multiply([keras.layers.UpSampling2D(2)(pooled), where])
    model = keras.Model(inputs, out)
    model.compile("sgd", "mse")
    x = RNG.random((6, 4, 4, 1)).astype("float32")
    model.fit(x, x[..., :1].repeat(2, -1), batch_size=3, verbose=0)
    pred = model.predict(x, verbose=0)
    pre_value = keras.Model(inputs, pre).predict(x, verbose=0)
    windows = pre_value.reshape(6, 2, 2, 2, 2, 2).transpose(0, 1, 3, 5, 2, 4).reshape(6, 2, 2, 2, 4)
    expected_mask = (windows == windows.max(-1, keepdims=True)).astype("float32")
    mask = (pred != 0).reshape(6, 2, 2, 2, 2, 2).transpose(0, 1, 3, 5, 2, 4).reshape(6, 2, 2, 2, 4)
    np.testing.assert_array_equal(mask.astype("float32") * (windows != 0), expected_mask * (windows != 0))
    assert np.isfinite(model.evaluate(x, x[..., :1].repeat(2, -1), verbose=0))


def test_predict_takes_the_first_inputs_samples_like_keras_2(fresh_warnings):
    a, b = keras.Input((3,)), keras.Input((3,))
    model = keras.Model([a, b], keras.layers.add([a, b]))
    xa, xb = RNG.random((4, 3)).astype("float32"), RNG.random((10, 3)).astype("float32")
    with pytest.warns(DeprecationWarning, match="first input's 4 samples"):
        out = model.predict([xa, xb], verbose=0)
    np.testing.assert_allclose(out, xa + xb[:4], rtol=1e-6)
    with pytest.raises(ValueError, match="cardinality"):
        model.predict([xb, xa], verbose=0)


def test_a_generator_is_first_read_after_on_train_begin():
    class Source(keras.callbacks.Callback):
        started = False

        def on_train_begin(self, logs=None):
            self.started = True

        def batches(self):
            while True:
                assert self.started, "read before on_train_begin"
                yield X[:10], Y_BOOL[:10].astype("float32")

    source = Source()
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy", metrics=["acc"])
    history = model.fit(source.batches(), steps_per_epoch=2, epochs=2, callbacks=[source], verbose=0)
    assert set(history.history) == {"loss", "acc"}


def test_variables_from_reversed_numpy_views():
    """`K.variable(preprocess_input(img))`: Keras's BGR conversion `x[..., ::-1]` has negative strides."""
    image = RNG.random((1, 2, 2, 3)).astype("float32")
    variable = keras.backend.variable(image[..., ::-1])
    np.testing.assert_array_equal(variable.numpy(), image[..., ::-1])
    assert keras.Variable(image[:, ::-1]).shape == (1, 2, 2, 3)
