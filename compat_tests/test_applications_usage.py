"""keras.applications in use, beside real Keras 3: `weights="imagenet"` from the cache (the URL/hash table
pointed at locally written Keras files), the offline error, `preprocess_input` / `decode_predictions` of every
module, `input_tensor`, `channels_first`, and transfer learning (frozen base, BatchNormalization in inference
mode) step by step.
"""
import hashlib
import json
import os

import h5py
import keras
import numpy as np
import pytest
import torch
from keras.src.legacy.saving import legacy_h5_format

import torchkeras
from torchkeras.applications import imagenet_utils
from torchkeras.applications import weights as weight_files
from torchkeras.utils.file_utils import URLFetchError

MODULES = ["convnext", "densenet", "efficientnet", "efficientnet_v2", "imagenet_utils", "inception_resnet_v2",
           "inception_v3", "mobilenet", "mobilenet_v2", "mobilenet_v3", "nasnet", "resnet", "resnet50", "resnet_v2",
           "vgg16", "vgg19", "xception"]


def _md5(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


def _legacy_h5(model, path):
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)


def _images(size, n=2, seed=0):
    return (np.random.RandomState(seed).rand(n, size, size, 3) * 255).astype("float32")


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    os.makedirs(tmp_path / "keras_home" / "models")
    return tmp_path / "keras_home" / "models"


# --- weights="imagenet" ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("with_hash", [True, False])
def test_imagenet_weights_load_from_the_cache(keras_home, monkeypatch, with_hash):
    """The published file name and folder, checked against the table's hash, loaded by layer order."""
    keras.backend.clear_session()
    km = keras.applications.MobileNetV3Small(weights=None, include_top=False, input_shape=(32, 32, 3))
    file_name = "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5"
    _legacy_h5(km, str(keras_home / file_name))
    origin, published_hash = weight_files.WEIGHT_FILES[file_name]
    assert origin == f"https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v3/{file_name}"
    assert published_hash == "d3e8ec802a04aa4fc771ee12a9a9b836"
    monkeypatch.setitem(weight_files.WEIGHT_FILES, file_name,
                        ("file:///nonexistent/" + file_name, _md5(keras_home / file_name) if with_hash else None))
    with pytest.warns(UserWarning, match="Weights for input shape \\(224, 224\\)"):
        tm = torchkeras.applications.MobileNetV3Small(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    x = _images(32)
    np.testing.assert_allclose(tm.predict(x, verbose=0), km.predict(x, verbose=0), rtol=1e-4, atol=1e-5)


def test_imagenet_weights_with_the_top_and_a_local_path(keras_home, monkeypatch, tmp_path):
    keras.backend.clear_session()
    km = keras.applications.MobileNetV2(weights=None, alpha=0.35, input_shape=(96, 96, 3))
    file_name = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96.h5"
    assert file_name in weight_files.WEIGHT_FILES  # published without a hash, like in Keras
    _legacy_h5(km, str(keras_home / file_name))
    tm = torchkeras.applications.MobileNetV2(weights="imagenet", alpha=0.35, input_shape=(96, 96, 3))
    x = _images(96, n=1)
    expected = km.predict(x, verbose=0)
    np.testing.assert_allclose(tm.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-6)
    # weights=<path> loads a local file
    km.save_weights(str(tmp_path / "local.weights.h5"))
    tm = torchkeras.applications.MobileNetV2(weights=str(tmp_path / "local.weights.h5"), alpha=0.35,
                                             input_shape=(96, 96, 3))
    np.testing.assert_allclose(tm.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-6)


def test_offline_error_names_the_url_the_file_and_the_folder(keras_home, monkeypatch):
    file_name = "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
    url = "file:///nonexistent/keras-applications/resnet/" + file_name
    monkeypatch.setitem(weight_files.WEIGHT_FILES, file_name, (url, weight_files.WEIGHT_FILES[file_name][1]))
    with pytest.raises(URLFetchError) as info:
        torchkeras.applications.ResNet50(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    message = str(info.value)
    assert url in message and file_name in message and str(keras_home) in message


def test_weights_argument_errors_like_keras():
    for fn in (keras.applications.ResNet50, torchkeras.applications.ResNet50):
        with pytest.raises(ValueError, match="The `weights` argument should be either"):
            fn(weights="/no/such/file.h5")
        with pytest.raises(ValueError, match="`classes` should be 1000"):
            fn(weights="imagenet", classes=10)
        with pytest.raises(ValueError, match="should specify a static `input_shape`|input_shape` should be"):
            fn(weights=None, input_shape=(None, None, 3))
        with pytest.raises(ValueError, match="Input size must be at least 32x32"):
            fn(weights=None, include_top=False, input_shape=(16, 16, 3))
        with pytest.raises(ValueError, match="Only `None` and `softmax`"):
            fn(weights="imagenet", classifier_activation="sigmoid")
    with pytest.raises(ValueError, match="alpha can be one of"):
        torchkeras.applications.MobileNet(weights="imagenet", alpha=0.3)


# --- preprocess_input / decode_predictions ------------------------------------------------------------------------
@pytest.mark.parametrize("module", MODULES)
def test_preprocess_input_like_keras(module):
    k_fn = getattr(keras.applications, module).preprocess_input
    t_fn = getattr(torchkeras.applications, module).preprocess_input
    rs = np.random.RandomState(0)
    for data_format, shape in [("channels_last", (2, 5, 6, 3)), ("channels_first", (2, 3, 5, 6)),
                               ("channels_last", (5, 6, 3)), ("channels_first", (3, 5, 6))]:
        x = (rs.rand(*shape) * 255).astype("float32")
        expected = k_fn(x.copy(), data_format=data_format)
        got = t_fn(x.copy(), data_format=data_format)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-5)
        expected = keras.ops.convert_to_numpy(k_fn(torch.tensor(x), data_format=data_format))
        got = t_fn(torch.tensor(x), data_format=data_format)
        assert isinstance(got, torch.Tensor)
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6, atol=1e-5)
    ints = rs.randint(0, 256, size=(1, 4, 4, 3)).astype("uint8")
    np.testing.assert_allclose(t_fn(ints.copy()), k_fn(ints.copy()), rtol=1e-6, atol=1e-5)


def test_preprocess_input_modes_and_symbolic_inputs():
    x = (np.random.RandomState(1).rand(2, 4, 4, 3) * 255).astype("float32")
    for mode in ("caffe", "tf", "torch"):
        np.testing.assert_allclose(imagenet_utils.preprocess_input(x.copy(), mode=mode),
                                   keras.applications.imagenet_utils.preprocess_input(x.copy(), mode=mode),
                                   rtol=1e-6, atol=1e-5)
    # inside a model, on a Keras tensor
    inputs = torchkeras.Input((4, 4, 3))
    model = torchkeras.Model(inputs, torchkeras.applications.densenet.preprocess_input(inputs))
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               keras.applications.densenet.preprocess_input(x.copy()), rtol=1e-6, atol=1e-5)
    with pytest.raises(ValueError, match="Expected mode to be one of"):
        imagenet_utils.preprocess_input(x, mode="other")
    with pytest.raises(ValueError, match="Expected data_format"):
        imagenet_utils.preprocess_input(x, data_format="nhwc")


@pytest.fixture
def class_index(keras_home, monkeypatch):
    """A stand-in `imagenet_class_index.json` in the cache, registered with its own hash (both libraries)."""
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    path = keras_home / "imagenet_class_index.json"
    path.write_text(json.dumps(index))
    origin = weight_files.WEIGHT_FILES["imagenet_class_index.json"][0]
    monkeypatch.setitem(weight_files.WEIGHT_FILES, "imagenet_class_index.json", (origin, _md5(path)))
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    from keras.src.applications import imagenet_utils as keras_imagenet_utils

    monkeypatch.setattr(keras_imagenet_utils, "CLASS_INDEX", index)
    return index


@pytest.mark.parametrize("module", MODULES)
def test_decode_predictions_like_keras(module, class_index):
    preds = np.random.RandomState(2).rand(3, 1000).astype("float32")
    expected = getattr(keras.applications, module).decode_predictions(preds, top=4)
    got = getattr(torchkeras.applications, module).decode_predictions(preds, top=4)
    assert got == expected
    assert getattr(torchkeras.applications, module).decode_predictions(torch.tensor(preds))[0] == \
        getattr(keras.applications, module).decode_predictions(preds)[0]


def test_decode_predictions_checks_the_shape(class_index):
    with pytest.raises(ValueError, match="a 2D array of shape \\(samples, 1000\\)"):
        imagenet_utils.decode_predictions(np.zeros((2, 10)))


# --- input_tensor, channels_first -------------------------------------------------------------------------------
def _on_input_tensor(lib):
    lib.backend.clear_session()
    images = lib.Input((40, 40, 3), name="images")
    resized = lib.layers.Rescaling(1 / 255.0, name="scale")(images)
    base = lib.applications.MobileNet(weights=None, include_top=False, alpha=0.25, input_tensor=resized,
                                      pooling="avg")
    return base


def test_input_tensor_starts_the_model_at_its_source_input(tmp_path):
    km, tm = _on_input_tensor(keras), _on_input_tensor(torchkeras)
    assert [layer.name for layer in tm.layers] == [layer.name for layer in km.layers]
    assert tm.layers[0].name == "images" and tm.layers[1].name == "scale"
    km.save_weights(str(tmp_path / "m.weights.h5"))
    tm.load_weights(str(tmp_path / "m.weights.h5"))
    x = _images(40)
    np.testing.assert_allclose(tm.predict(x, verbose=0), km.predict(x, verbose=0), rtol=1e-4, atol=1e-6)


def test_channels_first(tmp_path):
    keras.backend.set_image_data_format("channels_first")
    torchkeras.backend.set_image_data_format("channels_first")
    try:
        keras.backend.clear_session()
        km = keras.applications.ResNet50V2(weights=None, include_top=False, input_shape=(3, 32, 32), pooling="avg")
        torchkeras.backend.clear_session()
        tm = torchkeras.applications.ResNet50V2(weights=None, include_top=False, input_shape=(3, 32, 32),
                                                pooling="avg")
        assert [w.path for w in tm.weights] == [w.path for w in km.weights]
        _legacy_h5(km, str(tmp_path / "w.h5"))
        tm.load_weights(str(tmp_path / "w.h5"))
        x = _images(32).transpose(0, 3, 1, 2)
        expected = km.predict(x, verbose=0)
        np.testing.assert_allclose(tm.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5 * np.abs(expected).max())
        with pytest.raises(ValueError, match="does not support the `channels_first`"):
            torchkeras.applications.DenseNet121(weights=None)
    finally:
        keras.backend.set_image_data_format("channels_last")
        torchkeras.backend.set_image_data_format("channels_last")


# --- transfer learning --------------------------------------------------------------------------------------------
def _transfer_model(lib):
    lib.backend.clear_session()
    base = lib.applications.MobileNetV2(weights=None, include_top=False, alpha=0.35, input_shape=(32, 32, 3))
    base.trainable = False
    inputs = lib.Input((32, 32, 3))
    x = lib.applications.mobilenet_v2.preprocess_input(inputs)
    x = base(x, training=False)  # BatchNormalization stays in inference mode, also once unfrozen
    x = lib.layers.GlobalAveragePooling2D()(x)
    outputs = lib.layers.Dense(4, name="head")(x)
    return lib.Model(inputs, outputs), base


def _compile(lib, model, learning_rate):
    model.compile(optimizer=lib.optimizers.Adam(learning_rate),
                  loss=lib.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])


def test_fine_tune_step_by_step_with_batch_norm_in_inference_mode(tmp_path):
    km, kbase = _transfer_model(keras)
    tm, tbase = _transfer_model(torchkeras)
    km.save_weights(str(tmp_path / "start.weights.h5"))
    tm.load_weights(str(tmp_path / "start.weights.h5"))
    assert len(tm.trainable_weights) == len(km.trainable_weights) == 2
    rs = np.random.RandomState(3)
    x = _images(32, n=16, seed=4)
    y = rs.randint(0, 4, size=(16,))
    frozen = [w.numpy().copy() for w in tbase.weights]

    def compare_all(step):
        for kw, tw in zip(km.weights, tm.weights):
            np.testing.assert_allclose(tw.numpy(), keras.ops.convert_to_numpy(kw), rtol=1e-4, atol=1e-5,
                                       err_msg=f"{tw.path} after step {step}")

    # 1. the base frozen: only the head trains
    _compile(keras, km, 1e-2)
    _compile(torchkeras, tm, 1e-2)
    for step in range(3):
        batch = slice(8 * (step % 2), 8 * (step % 2) + 8)
        k_logs = km.train_on_batch(x[batch], y[batch], return_dict=True)
        t_logs = tm.train_on_batch(x[batch], y[batch], return_dict=True)
        np.testing.assert_allclose(t_logs["loss"], k_logs["loss"], rtol=1e-5)
        compare_all(step)
    for before, w in zip(frozen, tbase.weights):  # moving statistics included
        np.testing.assert_array_equal(w.numpy(), before)

    # 2. the base unfrozen except its BatchNormalization layers, which stay in inference mode (frozen batch
    # norm runs in inference mode in Keras 3; the `training=False` of the call alone is overridden by `fit` there)
    for base, lib in ((kbase, keras), (tbase, torchkeras)):
        base.trainable = True
        for layer in base.layers:
            if isinstance(layer, lib.layers.BatchNormalization):
                layer.trainable = False
    _compile(keras, km, 1e-4)
    _compile(torchkeras, tm, 1e-4)
    assert len(tm.trainable_weights) == len(km.trainable_weights) > 2
    for step in range(2):
        k_logs = km.train_on_batch(x[:8], y[:8], return_dict=True)
        t_logs = tm.train_on_batch(x[:8], y[:8], return_dict=True)
        np.testing.assert_allclose(t_logs["loss"], k_logs["loss"], rtol=1e-5)
        compare_all(f"unfrozen {step}")
    for before, w in zip(frozen, tbase.weights):
        if "moving" in w.path or "gamma" in w.path or "beta" in w.path:
            np.testing.assert_array_equal(w.numpy(), before)
    np.testing.assert_allclose(tm.predict(x, verbose=0), km.predict(x, verbose=0), rtol=1e-4, atol=1e-5)
