"""Numeric preprocessing layers side by side with real Keras 3 (torch backend): same inputs, same outputs,
same configs. Random layers are compared in inference mode, with fixed factors in training mode (a range of
width zero makes the draw deterministic), and by statistics."""
import pytest

import keras
import numpy as np
import torch

import torchkeras

RNG = np.random.default_rng(0)
IMAGES = (RNG.random((3, 7, 9, 2)) * 255).astype("float32")
IMAGES_U8 = IMAGES.astype("uint8")


def _np(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _pair(name, *args, **kwargs):
    return getattr(torchkeras.layers, name)(*args, **kwargs), getattr(keras.layers, name)(*args, **kwargs)


def _same_config(ours, theirs):
    a, b = ours.get_config(), theirs.get_config()
    a.pop("name"), b.pop("name")
    assert a == b


def _compare(name, args, kwargs, x, training=None, atol=1e-5, dtype_check=True):
    ours, theirs = _pair(name, *args, **kwargs)
    call_kwargs = {} if training is None else {"training": training}
    a, b = ours(x, **call_kwargs), theirs(x, **call_kwargs)
    if dtype_check:
        assert str(a.dtype) == str(b.dtype), (a.dtype, b.dtype)
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_allclose(_np(a).astype("float64"), _np(b).astype("float64"), atol=atol, rtol=1e-5)
    _same_config(ours, theirs)
    return ours, theirs


# --- Normalization, Rescaling ---------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [
    {"mean": 2.0, "variance": 9.0}, {"mean": [1.0, 2.0], "variance": [4.0, 0.25]},
    {"mean": [1.0, 2.0], "variance": [4.0, 0.25], "invert": True}, {"axis": None, "mean": 3.0, "variance": 2.0},
    {"axis": (1, 3), "mean": np.arange(14.0).reshape(7, 2), "variance": np.ones((7, 2)) * 3},
    {"mean": 0.0, "variance": 0.0},
])
def test_normalization_given_statistics(kwargs):
    _compare("Normalization", (), kwargs, IMAGES)


@pytest.mark.parametrize("axis", [-1, None, (1, 2), 2])
def test_normalization_adapt(axis):
    data = RNG.normal(loc=3.0, scale=2.0, size=(20, 7, 9, 2)).astype("float32")
    ours, theirs = _pair("Normalization", axis=axis)
    ours.adapt(data)
    theirs.adapt(data)
    for u, v in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(u, v, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(ours(IMAGES)), _np(theirs(IMAGES)), rtol=1e-5, atol=1e-5)
    _same_config(ours, theirs)


def test_normalization_adapt_batches_and_tensors():
    data = RNG.normal(size=(30, 4)).astype("float32")
    batches = [data[:7], data[7:20], data[20:]]
    ours, theirs = _pair("Normalization")
    ours.adapt(batches)  # (Keras without TensorFlow can't adapt on a list: compare with the whole array)
    theirs.adapt(data)
    np.testing.assert_allclose(ours.get_weights()[0], theirs.get_weights()[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.get_weights()[1], theirs.get_weights()[1], rtol=1e-5, atol=1e-6)
    ours, theirs = _pair("Normalization", axis=-1)
    ours.adapt(torch.from_numpy(data))
    theirs.adapt(torch.from_numpy(data))
    np.testing.assert_allclose(ours.get_weights()[1], theirs.get_weights()[1], rtol=1e-5, atol=1e-6)
    # Weights copied from Keras give the same outputs.
    fresh = torchkeras.layers.Normalization()
    fresh.build((None, 4))
    fresh.set_weights(theirs.get_weights())
    np.testing.assert_allclose(_np(fresh(data)), _np(theirs(data)), rtol=1e-5, atol=1e-5)


def test_normalization_input_gradient():
    ours, theirs = _pair("Normalization", mean=[1.0, 2.0], variance=[4.0, 9.0])
    xa = torch.tensor(IMAGES, requires_grad=True)
    xb = torch.tensor(IMAGES, requires_grad=True)
    (ours(xa) ** 2).sum().backward()
    (theirs(xb) ** 2).sum().backward()
    np.testing.assert_allclose(xa.grad.numpy(), xb.grad.numpy(), rtol=1e-5)


@pytest.mark.parametrize("args,kwargs", [((1 / 255.0,), {}), ((2.0,), {"offset": -1.0}),
                                         (([0.5, 2.0],), {"offset": [1.0, 0.0]})])
def test_rescaling(args, kwargs):
    _compare("Rescaling", args, kwargs, IMAGES)
    _compare("Rescaling", args, kwargs, IMAGES_U8)


# --- Resizing, CenterCrop -------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [
    {}, {"interpolation": "nearest"}, {"crop_to_aspect_ratio": True}, {"pad_to_aspect_ratio": True},
    {"pad_to_aspect_ratio": True, "fill_value": 7.0}, {"interpolation": "bicubic"},
    {"antialias": True},
])
@pytest.mark.parametrize("size", [(4, 5), (10, 6)])
def test_resizing(kwargs, size):
    _compare("Resizing", size, kwargs, IMAGES, atol=1e-3)
    _compare("Resizing", size, kwargs, IMAGES[0], atol=1e-3)
    if kwargs.get("interpolation") in (None, "nearest"):
        _compare("Resizing", size, kwargs, IMAGES_U8, atol=1)


def test_resizing_channels_first():
    x = np.transpose(IMAGES, (0, 3, 1, 2))
    _compare("Resizing", (4, 4), {"data_format": "channels_first"}, x, atol=1e-3)


@pytest.mark.parametrize("size", [(4, 4), (7, 9), (5, 12), (10, 11)])
def test_center_crop(size):
    _compare("CenterCrop", size, {}, IMAGES, atol=1e-3)
    _compare("CenterCrop", size, {}, IMAGES_U8, atol=1e-3)
    _compare("CenterCrop", size, {}, IMAGES[1], atol=1e-3)


# --- random layers --------------------------------------------------------------------------------------
RANDOM_LAYERS = [
    ("RandomFlip", (), {}), ("RandomFlip", ("vertical",), {"seed": 3}),
    ("RandomRotation", (0.2,), {}), ("RandomRotation", ((-0.1, 0.3),), {"fill_mode": "constant", "fill_value": 1.0}),
    ("RandomZoom", (0.3,), {}), ("RandomZoom", ((-0.2, 0.1), 0.4), {"interpolation": "nearest"}),
    ("RandomTranslation", (0.2, 0.1), {}), ("RandomTranslation", ((-0.3, 0.0), (0.1, 0.2)), {"fill_mode": "wrap"}),
    ("RandomContrast", (0.4,), {}), ("RandomContrast", ((0.1, 0.6),), {"value_range": (0, 1)}),
]


@pytest.mark.parametrize("name,args,kwargs", RANDOM_LAYERS)
def test_random_layers_inference_is_identity(name, args, kwargs):
    _compare(name, args, kwargs, IMAGES, training=False)
    _compare(name, args, kwargs, IMAGES_U8, training=False)
    _compare(name, args, kwargs, IMAGES[0], training=False)


@pytest.mark.parametrize("name,args,kwargs", RANDOM_LAYERS)
def test_random_layers_inside_predict(name, args, kwargs):
    layer = getattr(torchkeras.layers, name)(*args, **kwargs)
    model = torchkeras.Sequential([torchkeras.Input(IMAGES.shape[1:]), layer])
    np.testing.assert_allclose(model.predict(IMAGES, verbose=0), IMAGES, rtol=1e-6)


@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_fixed_geometric_transforms_in_training(fill_mode, interpolation):
    common = {"fill_mode": fill_mode, "interpolation": interpolation, "fill_value": 3.0}
    _compare("RandomRotation", ((0.125, 0.125),), common, IMAGES, training=True, atol=1e-3)
    _compare("RandomRotation", ((-0.3, -0.3),), common, IMAGES[0], training=True, atol=1e-3)
    _compare("RandomZoom", ((0.5, 0.5), (-0.25, -0.25)), common, IMAGES, training=True, atol=1e-3)
    _compare("RandomZoom", ((-0.4, -0.4),), common, IMAGES, training=True, atol=1e-3)
    _compare("RandomTranslation", ((0.25, 0.25), (-0.4, -0.4)), common, IMAGES, training=True, atol=1e-3)


def test_fixed_geometric_transforms_channels_first():
    x = np.transpose(IMAGES, (0, 3, 1, 2))
    _compare("RandomRotation", ((0.1, 0.1),), {"data_format": "channels_first"}, x, training=True, atol=1e-3)
    _compare("RandomTranslation", ((0.2, 0.2), (0.1, 0.1)), {"data_format": "channels_first"}, x, training=True,
             atol=1e-3)


def test_fixed_contrast_in_training():
    _compare("RandomContrast", ((-0.3, 0.3),), {}, IMAGES, training=True, atol=1e-3)
    _compare("RandomContrast", ((-0.5, 0.5),), {"value_range": (0, 100)}, IMAGES_U8, training=True, atol=1e-3)


def _fraction_flipped(layer, x):
    out = _np(layer(x, training=True))
    flipped = np.all(out == x[:, :, ::-1], axis=(1, 2, 3))
    same = np.all(out == x, axis=(1, 2, 3))
    assert np.all(flipped | same)
    return flipped.mean()


def test_random_flip_statistics_match_keras():
    x = np.repeat(np.arange(8, dtype="float32").reshape(1, 2, 4, 1), 400, axis=0)
    ours = _fraction_flipped(torchkeras.layers.RandomFlip("horizontal", seed=1), x)
    theirs = _fraction_flipped(keras.layers.RandomFlip("horizontal", seed=1), x)
    assert abs(ours - 0.5) < 0.08 and abs(theirs - 0.5) < 0.08


def test_random_rotation_and_contrast_statistics_match_keras():
    x = np.zeros((300, 9, 9, 1), "float32")
    x[:, 4, :, 0] = 1.0  # a horizontal line: rotation moves mass off the middle row
    ours = _np(torchkeras.layers.RandomRotation(0.25, seed=2, fill_mode="constant")(x, training=True))
    theirs = _np(keras.layers.RandomRotation(0.25, seed=2, fill_mode="constant")(x, training=True))
    a, b = ours[:, 4, :, 0].sum(axis=1), theirs[:, 4, :, 0].sum(axis=1)
    assert abs(a.mean() - b.mean()) < 0.5 and abs(a.std() - b.std()) < 0.5
    img = np.repeat(IMAGES[:1], 300, axis=0)
    ours = _np(torchkeras.layers.RandomContrast(0.5, seed=2)(img, training=True))
    theirs = _np(keras.layers.RandomContrast(0.5, seed=2)(img, training=True))
    assert abs(ours.std(axis=(1, 2, 3)).mean() - theirs.std(axis=(1, 2, 3)).mean()) < 3.0


# --- CategoryEncoding, Discretization -------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
@pytest.mark.parametrize("x", [np.array([[0, 1], [3, 3], [2, 0]]), np.array([3, 1, 0]), np.array([[1], [2], [0]]),
                               np.array(2)])
def test_category_encoding(mode, x):
    _compare("CategoryEncoding", (), {"num_tokens": 4, "output_mode": mode}, x)


def test_category_encoding_count_weights_and_binary():
    ours, theirs = _pair("CategoryEncoding", num_tokens=5, output_mode="count")
    x = np.array([[0, 1, 1], [4, 4, 2]])
    w = np.array([[0.5, 1.0, 2.0], [1.0, 3.0, 0.25]], dtype="float32")
    np.testing.assert_allclose(_np(ours(x, count_weights=w)), _np(theirs(x, count_weights=w)))
    _compare("CategoryEncoding", (), {"num_tokens": 3, "output_mode": "binary"}, np.array([[0, 2]]))


@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count"])
def test_discretization_boundaries(mode):
    x = np.array([[-1.5, 0.0, 0.5, 1.0, 2.5], [3.0, -0.1, 1.0, 0.99, 2.0]], dtype="float32")
    _compare("Discretization", (), {"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": mode}, x)
    _compare("Discretization", (), {"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": mode}, x[:, :1])


@pytest.mark.parametrize("num_bins,epsilon", [(4, 0.01), (3, 0.1), (10, 0.001)])
def test_discretization_adapt(num_bins, epsilon):
    data = RNG.normal(size=(500, 1)).astype("float32")
    ours, theirs = _pair("Discretization", num_bins=num_bins, epsilon=epsilon)
    ours.adapt(data)
    _keras_adapt(theirs, [data])
    np.testing.assert_allclose(ours.bin_boundaries, theirs.bin_boundaries, rtol=1e-6)
    np.testing.assert_array_equal(_np(ours(data)), _np(theirs(data)))
    ours, theirs = _pair("Discretization", num_bins=num_bins, epsilon=epsilon)
    batches = [data[:100], data[100:350], data[350:]]
    ours.adapt(batches)
    _keras_adapt(theirs, batches)
    np.testing.assert_allclose(ours.bin_boundaries, theirs.bin_boundaries, rtol=1e-6)
    _same_config(ours, theirs)


def _keras_adapt(layer, batches):
    """Keras's `Discretization.adapt` without TensorFlow: its own update/finalize steps, batch by batch."""
    layer.reset_state()
    for batch in batches:
        layer.update_state(batch)
    layer.finalize_state()


def test_symbolic_shapes_match_keras():
    cases = [("Resizing", (4, 5), {}, (None, 7, 9, 2)), ("CenterCrop", (3, 3), {}, (None, 7, 9, 2)),
             ("RandomFlip", (), {}, (None, 7, 9, 2)), ("Normalization", (), {"mean": 1.0, "variance": 2.0}, (None, 3)),
             ("CategoryEncoding", (), {"num_tokens": 6}, (None, 3)),
             ("CategoryEncoding", (), {"num_tokens": 6, "output_mode": "one_hot"}, (None, 1)),
             ("Discretization", (), {"bin_boundaries": [0.0, 1.0], "output_mode": "one_hot"}, (None, 4)),
             ("Rescaling", (0.5,), {}, (None, 5, 5, 3))]
    for name, args, kwargs, shape in cases:
        ours, theirs = _pair(name, *args, **kwargs)
        a = ours(torchkeras.Input(shape[1:]))
        b = theirs(keras.Input(shape[1:]))
        assert tuple(a.shape) == tuple(b.shape), name
        assert a.dtype == b.dtype, name
