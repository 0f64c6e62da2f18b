"""Global max/average pooling (keepdims, masks, data formats) and adaptive pooling."""
import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers

GLOBAL = {
    ("max", 1): layers.GlobalMaxPooling1D, ("max", 2): layers.GlobalMaxPooling2D,
    ("max", 3): layers.GlobalMaxPooling3D, ("avg", 1): layers.GlobalAveragePooling1D,
    ("avg", 2): layers.GlobalAveragePooling2D, ("avg", 3): layers.GlobalAveragePooling3D,
}
SHAPES = {1: (2, 5, 3), 2: (2, 4, 5, 3), 3: (2, 2, 3, 4, 3)}


def _random(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_values_and_shapes(mode, rank, keepdims, data_format, device):
    x = _random(SHAPES[rank])
    axes = tuple(range(1, rank + 1))
    if data_format == "channels_first":
        x = np.moveaxis(x, -1, 1).copy()
        axes = tuple(range(2, rank + 2))
    layer = GLOBAL[(mode, rank)](data_format=data_format, keepdims=keepdims)
    out = layer(torch.tensor(x, device=device)).cpu().numpy()
    expected = x.max(axis=axes, keepdims=keepdims) if mode == "max" else x.mean(axis=axes, keepdims=keepdims)
    np.testing.assert_allclose(out, expected, atol=1e-6)
    assert tuple(out.shape) == layer.compute_output_shape(x.shape)


def test_global_average_1d_honours_the_mask():
    x = _random((2, 4, 3))
    mask = np.array([[True, True, False, False], [True, False, True, True]])
    out = layers.GlobalAveragePooling1D()(x, mask=torch.tensor(mask)).numpy()
    expected = np.stack([x[0, :2].mean(0), x[1, [0, 2, 3]].mean(0)])
    np.testing.assert_allclose(out, expected, atol=1e-6)
    out_cf = layers.GlobalAveragePooling1D(data_format="channels_first", keepdims=True)(
        np.moveaxis(x, -1, 1).copy(), mask=torch.tensor(mask)).numpy()
    np.testing.assert_allclose(out_cf[..., 0], expected, atol=1e-6)


def test_mask_from_embedding_is_used_and_consumed():
    inputs = keras.Input((4,), dtype="int32")
    embedded = layers.Embedding(10, 3, mask_zero=True)(inputs)
    pooled = layers.GlobalAveragePooling1D()(embedded)
    assert getattr(pooled, "_keras_mask", None) is None
    model = keras.Model(inputs, pooled)
    tokens = np.array([[1, 2, 0, 0], [3, 0, 0, 0]])
    table = model.layers[1].get_weights()[0]
    expected = np.stack([table[[1, 2]].mean(0), table[[3]].mean(0)])
    np.testing.assert_allclose(model.predict(tokens, verbose=0), expected, atol=1e-6)


def test_global_max_ties_share_the_gradient():
    x = torch.tensor([[[2.0], [2.0], [1.0]]], requires_grad=True)
    layers.GlobalMaxPooling1D()(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[0, :, 0], [0.5, 0.5, 0.0])


def test_integer_inputs_average_to_float32():
    out = layers.GlobalAveragePooling2D()(torch.arange(8).reshape(1, 2, 2, 2))
    assert out.dtype == torch.float32
    np.testing.assert_allclose(out.numpy(), [[3.0, 4.0]])


def test_symbolic_and_config():
    out = layers.GlobalAveragePooling2D(keepdims=True)(keras.Input((None, None, 5)))
    assert tuple(out.shape) == (None, 1, 1, 5)
    layer = layers.GlobalMaxPooling3D(data_format="channels_first", keepdims=True)
    config = layer.get_config()
    assert set(config) == {"name", "trainable", "dtype", "data_format", "keepdims"}
    assert layers.GlobalMaxPooling3D.from_config(config).get_config() == config
    assert layers.GlobalAvgPool2D is layers.GlobalAveragePooling2D
    assert layers.GlobalMaxPool1D is layers.GlobalMaxPooling1D


@pytest.mark.parametrize("cls,shape,size", [
    (layers.AdaptiveAveragePooling1D, (2, 7, 3), 3), (layers.AdaptiveMaxPooling1D, (2, 7, 3), (4,)),
    (layers.AdaptiveAveragePooling2D, (2, 7, 5, 3), (3, 2)), (layers.AdaptiveMaxPooling2D, (2, 7, 5, 3), 2),
    (layers.AdaptiveAveragePooling3D, (2, 5, 4, 6, 2), 2), (layers.AdaptiveMaxPooling3D, (2, 5, 4, 6, 2), (2, 3, 4)),
])
def test_adaptive_pooling(cls, shape, size):
    x = _random(shape)
    layer = cls(size)
    out = layer(x).numpy()
    rank = len(shape) - 2
    sizes = layer.output_size
    assert out.shape == (shape[0],) + sizes + (shape[-1],) == layer.compute_output_shape(shape)
    # Window i of an axis of length n spans [floor(i * n / s), ceil((i + 1) * n / s)).
    reduce = np.max if "Max" in cls.__name__ else np.mean
    index = tuple(0 for _ in range(rank))
    window = tuple(slice(0, -(-shape[1 + a] // sizes[a])) for a in range(rank))
    np.testing.assert_allclose(out[(slice(None),) + index], reduce(x[(slice(None),) + window],
                                                                  axis=tuple(range(1, rank + 1))), atol=1e-6)
    config = layer.get_config()
    assert config["output_size"] == sizes and cls.from_config(config).get_config() == config


def test_adaptive_pooling_errors():
    with pytest.raises(ValueError, match="length 2"):
        layers.AdaptiveAveragePooling2D((2, 2, 2))
    with pytest.raises(TypeError, match="output_size"):
        layers.AdaptiveMaxPooling1D("2")
