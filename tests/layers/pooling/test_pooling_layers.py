"""Max/Average pooling 1D/2D/3D: numbers against a NumPy reference, shapes, config, errors, Keras 1 names."""
import warnings

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers

import pool_reference as ref

SHAPES = {1: (2, 9, 3), 2: (2, 7, 8, 3), 3: (2, 5, 6, 4, 2)}
MAX = {1: layers.MaxPooling1D, 2: layers.MaxPooling2D, 3: layers.MaxPooling3D}
AVG = {1: layers.AveragePooling1D, 2: layers.AveragePooling2D, 3: layers.AveragePooling3D}


def _random(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("pool_size,strides", [(2, None), (3, None), (2, 1), (3, 2), (4, 1), (3, 1)])
def test_matches_numpy_reference(rank, mode, padding, pool_size, strides, device):
    x = _random(SHAPES[rank])
    layer = (MAX if mode == "max" else AVG)[rank](pool_size, strides=strides, padding=padding)
    out = layer(torch.tensor(x, device=device)).cpu().numpy()
    ps, st = layer.pool_size, layer.strides
    pads = [(0, 0)] * rank if padding == "valid" else ref.same_pads(x.shape[1:-1], ps, st, (1,) * rank)
    np.testing.assert_allclose(out, ref.pool(x, ps, st, pads, mode), rtol=1e-5, atol=1e-6)
    assert tuple(out.shape) == layer.compute_output_shape(x.shape)


def test_same_average_pooling_border_rules():
    x = np.arange(1, 6, dtype="float32").reshape(1, 5, 1)
    # Symmetric padding (1, 1): the padded zeros are not counted.
    out = layers.AveragePooling1D(3, strides=1, padding="same")(x).numpy()[0, :, 0]
    np.testing.assert_allclose(out, [1.5, 2.0, 3.0, 4.0, 4.5])
    # Asymmetric padding (1, 2): Keras's torch backend repeats the edge values.
    out = layers.AveragePooling1D(4, strides=1, padding="same")(x).numpy()[0, :, 0]
    np.testing.assert_allclose(out, [1.75, 2.5, 3.5, 4.25, 4.75])


def test_max_pooling_gradient_goes_to_the_maximum():
    x = torch.tensor([[[1.0], [3.0], [2.0], [0.0], [5.0]]], requires_grad=True)
    layers.MaxPooling1D(2, padding="same")(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, :, 0], [0, 1, 1, 0, 1])


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_channels_first(rank):
    x = _random(SHAPES[rank])
    last = MAX[rank](2, strides=1, padding="same")(x).numpy()
    first = MAX[rank](2, strides=1, padding="same", data_format="channels_first")(np.moveaxis(x, -1, 1).copy())
    np.testing.assert_allclose(np.moveaxis(first.numpy(), 1, -1), last)


def test_defaults_and_symbolic_shapes():
    assert layers.MaxPooling2D().pool_size == (2, 2) and layers.MaxPooling2D().strides == (2, 2)
    assert layers.MaxPooling1D().pool_size == (2,)
    assert layers.MaxPooling3D(strides=1).strides == (1, 1, 1)
    out = layers.MaxPooling2D()(keras.Input((28, 27, 3)))
    assert tuple(out.shape) == (None, 14, 13, 3)
    out = layers.AveragePooling2D(3, strides=2, padding="same")(keras.Input((None, 7, 3)))
    assert tuple(out.shape) == (None, None, 4, 3)
    out = layers.AveragePooling1D(2, data_format="channels_first")(keras.Input((3, 9)))
    assert tuple(out.shape) == (None, 3, 4)


def test_config_round_trip():
    layer = layers.AveragePooling2D((2, 3), strides=1, padding="SAME", data_format="channels_first")
    config = layer.get_config()
    assert set(config) == {"name", "trainable", "dtype", "pool_size", "padding", "strides", "data_format"}
    assert config["pool_size"] == (2, 3) and config["strides"] == (1, 1) and config["padding"] == "same"
    assert layers.AveragePooling2D.from_config(config).get_config() == config


def test_aliases():
    assert layers.MaxPool2D is layers.MaxPooling2D and layers.AvgPool1D is layers.AveragePooling1D
    assert layers.MaxPool3D is layers.MaxPooling3D and layers.AvgPool3D is layers.AveragePooling3D


def test_errors():
    with pytest.raises(ValueError, match="padding"):
        layers.MaxPooling2D(padding="full")
    with pytest.raises(ValueError, match="pool_size"):
        layers.MaxPooling2D(pool_size=(2, 2, 2))
    assert layers.AveragePooling2D().pool_size == (2, 2)  # Keras 2's default (tests/keras2 checks the warning)
    with pytest.raises(ValueError, match="zero or negative"):
        layers.MaxPooling2D(4)(keras.Input((3, 3, 1)))
    with pytest.raises(ValueError, match="expected ndim=4"):
        layers.MaxPooling2D()(_random((2, 4, 4)))


def test_keras1_spellings():
    from torchkeras.utils import legacy_args

    legacy_args._WARNED.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layer = layers.MaxPooling2D((2, 2), border_mode="same", dim_ordering="tf")
    messages = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    assert any("border_mode" in m and "`padding=`" in m for m in messages)
    assert any("dim_ordering" in m and "`data_format=`" in m for m in messages)
    assert layer.padding == "same" and layer.data_format == "channels_last"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        layer = layers.MaxPooling1D(pool_length=3, stride=1, border_mode="valid")
    assert layer.pool_size == (3,) and layer.strides == (1,)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert layers.AveragePooling2D((2, 2), dim_ordering="th").data_format == "channels_first"


@pytest.mark.parametrize("layer", [layers.MaxPooling2D(), layers.AveragePooling1D(2, padding="same"),
                                   layers.AdaptiveMaxPooling2D(2), layers.GlobalAveragePooling2D()],
                         ids=lambda layer: type(layer).__name__)
def test_pickle_and_deepcopy(layer):
    import copy
    import io
    import pickle

    x = _random((1, 6, 6, 3)) if "2D" in type(layer).__name__ else _random((1, 6, 3))
    expected = layer(x).numpy()
    buffer = io.BytesIO()
    torch.save(layer, buffer)
    buffer.seek(0)
    for clone in (copy.deepcopy(layer), pickle.loads(pickle.dumps(layer)), torch.load(buffer, weights_only=False)):
        np.testing.assert_array_equal(clone(x).numpy(), expected)
