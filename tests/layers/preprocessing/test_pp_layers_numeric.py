"""Numeric and image preprocessing layers: shapes, symbolic use, training vs inference, seeding, configs,
errors, and use inside models."""
import numpy as np
import pytest
import torch

import torchkeras as keras

L = keras.layers
IMAGES = np.random.default_rng(0).random((4, 6, 8, 3)).astype("float32") * 255


def _roundtrip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    return clone


def test_normalization_given_and_adapted(device):
    layer = L.Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 4.0, 9.0])
    out = layer(torch.ones(2, 3))
    np.testing.assert_allclose(out.cpu().numpy(), [[0.0, -0.5, -2 / 3]] * 2, rtol=1e-6)
    assert layer.weights == []
    data = np.random.default_rng(1).normal(5.0, 3.0, size=(200, 3)).astype("float32")
    adapted = L.Normalization()
    adapted.adapt(data)
    assert [w.name for w in adapted.weights] == ["mean", "variance", "count"]
    normed = adapted(data).cpu().numpy()
    np.testing.assert_allclose(normed.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(normed.std(0), 1, atol=1e-4)
    inverse = L.Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 4.0, 9.0], invert=True)
    np.testing.assert_allclose(inverse(layer(torch.tensor(data))).cpu().numpy(), data, rtol=1e-5, atol=1e-4)
    _roundtrip(layer)


def test_normalization_adapt_iterables_and_errors():
    data = np.random.default_rng(2).normal(size=(40, 2)).astype("float32")
    a, b = L.Normalization(), L.Normalization()
    a.adapt(data)
    b.adapt(iter([data[:10], data[10:25], data[25:]]))
    np.testing.assert_allclose(a.get_weights()[0], b.get_weights()[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(a.get_weights()[1], b.get_weights()[1], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        L.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="empty iterable"):
        L.Normalization().adapt(iter([]))
    with pytest.raises(TypeError, match="Unsupported data type"):
        L.Normalization().adapt(3)
    with pytest.raises(ValueError, match="must have a known shape"):
        L.Normalization(axis=1).build((None, None))


def test_normalization_in_a_trained_model():
    rng = np.random.default_rng(3)
    x = rng.normal(10.0, 5.0, size=(64, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    norm = L.Normalization()
    norm.adapt(x)
    model = keras.Sequential([keras.Input((3,)), norm, L.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, verbose=0)
    # Adapted statistics are non-trainable and unchanged by training.
    assert len(model.trainable_weights) == 2
    np.testing.assert_allclose(norm.get_weights()[0], x.mean(0), rtol=1e-5)


def test_rescaling_and_symbolic_shapes():
    layer = L.Rescaling(1 / 255.0, offset=-0.5)
    out = layer(np.full((2, 2), 255, dtype="uint8"))
    assert out.dtype == torch.float32
    np.testing.assert_allclose(out.cpu().numpy(), 0.5)
    _roundtrip(layer)
    x = keras.Input((6, 8, 3))
    assert L.Resizing(3, 4)(x).shape == (None, 3, 4, 3)
    assert L.CenterCrop(2, 5)(x).shape == (None, 2, 5, 3)
    assert L.RandomRotation(0.1)(x).shape == (None, 6, 8, 3)
    assert L.Discretization(bin_boundaries=[0.0], output_mode="one_hot")(keras.Input((4,))).shape == (None, 4, 2)
    assert L.CategoryEncoding(5)(keras.Input((3,))).shape == (None, 5)


def test_resizing_and_center_crop():
    out = L.Resizing(3, 4)(IMAGES)
    assert tuple(out.shape) == (4, 3, 4, 3)
    u8 = L.Resizing(3, 4)(IMAGES.astype("uint8"))
    assert u8.dtype == torch.uint8
    crop = L.CenterCrop(2, 4)(IMAGES)
    np.testing.assert_array_equal(crop.cpu().numpy(), IMAGES[:, 2:4, 2:6])
    up = L.CenterCrop(10, 10)(IMAGES[0])
    assert tuple(up.shape) == (10, 10, 3)
    with pytest.raises(ValueError, match="rank 3"):
        L.CenterCrop(2, 2)(np.zeros((2, 3)))
    _roundtrip(L.Resizing(3, 4, interpolation="nearest", crop_to_aspect_ratio=True))


@pytest.mark.parametrize("make", [
    lambda: L.RandomFlip(seed=1), lambda: L.RandomRotation(0.2, seed=1), lambda: L.RandomZoom(0.3, seed=1),
    lambda: L.RandomTranslation(0.2, 0.2, seed=1), lambda: L.RandomContrast(0.5, seed=1),
])
def test_random_layers_training_vs_inference_and_seeds(make):
    layer = make()
    np.testing.assert_array_equal(layer(IMAGES, training=False).cpu().numpy(), IMAGES)
    first = layer(IMAGES, training=True).cpu().numpy()
    assert not np.allclose(first, IMAGES) or isinstance(layer, L.RandomFlip)
    # Called directly, `training` defaults to True (like Keras); the same seed replays the same draws.
    again = make()
    np.testing.assert_allclose(again(IMAGES).cpu().numpy(), first, rtol=1e-6)
    # Successive calls draw new transforms.
    draws = [layer(IMAGES, training=True).cpu().numpy() for _ in range(3)]
    assert any(not np.allclose(d, draws[0]) for d in draws[1:]) or isinstance(layer, L.RandomFlip)
    assert layer.weights == []
    _roundtrip(layer)


def test_random_flip_modes_and_dict_inputs():
    x = np.arange(6, dtype="float32").reshape(1, 2, 3, 1).repeat(200, 0)
    out = L.RandomFlip("horizontal", seed=0)(x).cpu().numpy()
    flipped = np.all(out == x[:, :, ::-1], axis=(1, 2, 3))
    assert np.all(flipped | np.all(out == x, axis=(1, 2, 3))) and 0.3 < flipped.mean() < 0.7
    out = L.RandomFlip("vertical", seed=0)(x).cpu().numpy()
    assert np.all(np.all(out == x[:, ::-1], axis=(1, 2, 3)) | np.all(out == x, axis=(1, 2, 3)))
    data = L.RandomFlip(seed=0)({"images": x[:4], "labels": np.arange(4)}, training=False)
    np.testing.assert_array_equal(data["labels"], np.arange(4))
    with pytest.raises(ValueError, match="unknown mode"):
        L.RandomFlip("diagonal")
    with pytest.raises(ValueError, match="bounding box format"):
        L.RandomFlip()({"images": x[:1], "bounding_boxes": {}})


def test_random_layers_in_fit_and_predict():
    rng = np.random.default_rng(4)
    x = rng.random((16, 6, 8, 3)).astype("float32")
    y = rng.random((16, 1)).astype("float32")
    model = keras.Sequential([
        keras.Input((6, 8, 3)), L.RandomFlip(seed=1), L.RandomRotation(0.1, seed=1), L.RandomZoom(0.1, seed=1),
        L.RandomTranslation(0.1, 0.1, seed=1), L.RandomContrast(0.2, seed=1), L.Flatten(), L.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    a = model.predict(x, verbose=0)
    b = model.predict(x, verbose=0)
    np.testing.assert_array_equal(a, b)  # inference mode: no augmentation


def test_factor_validation():
    with pytest.raises(ValueError, match="factor"):
        L.RandomRotation(2.0)
    with pytest.raises(ValueError, match="height_factor"):
        L.RandomZoom((0.1, 0.2, 0.3))
    with pytest.raises(ValueError, match="input_number"):
        L.RandomTranslation(1.5, 0.1)
    with pytest.raises(NotImplementedError, match="fill_mode"):
        L.RandomZoom(0.1, fill_mode="mirror")
    with pytest.raises(ValueError, match="factor"):
        L.RandomContrast(1.5)
    assert L.RandomContrast(0.2).factor == (0, 0.2)
    assert L.RandomRotation(0.2).factor == (-0.2, 0.2)


def test_category_encoding_and_discretization():
    enc = L.CategoryEncoding(num_tokens=4, output_mode="count")
    np.testing.assert_array_equal(enc(np.array([[0, 1, 1], [3, 3, 3]])).cpu().numpy(),
                                  [[1, 2, 0, 0], [0, 0, 0, 3]])
    one = L.CategoryEncoding(num_tokens=3, output_mode="one_hot")
    assert tuple(one(np.array([[0], [2]])).shape) == (2, 3)
    with pytest.raises(ValueError, match="num_tokens must be set"):
        L.CategoryEncoding()
    with pytest.raises(ValueError, match="count_weights"):
        L.CategoryEncoding(3)(np.array([[1]]), count_weights=np.array([[1.0]]))
    disc = L.Discretization(bin_boundaries=[0.0, 1.0])
    out = disc(np.array([[-1.0, 0.0, 0.5, 1.0, 2.0]]))
    assert out.dtype == torch.int32
    np.testing.assert_array_equal(out.cpu().numpy(), [[0, 1, 1, 2, 2]])
    adapted = L.Discretization(num_bins=4, epsilon=0.001)
    adapted.adapt(np.arange(1000, dtype="float32"))
    assert len(adapted.bin_boundaries) == 3
    counts = np.bincount(adapted(np.arange(1000, dtype="float32")).cpu().numpy(), minlength=4)
    assert counts.min() > 200
    clone = L.Discretization.from_config(adapted.get_config())
    assert clone.bin_boundaries == adapted.bin_boundaries
    with pytest.raises(ValueError, match="either `num_bins` or `bin_boundaries`"):
        L.Discretization()
    with pytest.raises(ValueError, match="Cannot adapt"):
        L.Discretization(bin_boundaries=[0.0]).adapt(np.zeros(3))


def test_layers_registered_for_deserialization():
    from torchkeras.saving import serialization_lib

    for layer in (L.Normalization(mean=0.0, variance=1.0), L.RandomFlip(seed=2), L.Resizing(2, 3),
                  L.CategoryEncoding(4), L.Discretization(bin_boundaries=[1.0])):
        config = serialization_lib.serialize_keras_object(layer)
        assert config["module"] == "keras.layers"
        restored = serialization_lib.deserialize_keras_object(config)
        assert type(restored) is type(layer)
