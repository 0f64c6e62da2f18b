"""Conv1D/2D/3D: numbers against a NumPy reference, shapes, weights, config, errors, Keras 1 spellings."""
import warnings

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers
from torchkeras.saving import serialization_lib

import conv_reference as ref

RANK_SHAPES = {1: (2, 9, 3), 2: (2, 7, 8, 3), 3: (2, 5, 6, 4, 3)}
CONV = {1: layers.Conv1D, 2: layers.Conv2D, 3: layers.Conv3D}


def _random(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def _reference(layer, x_cl, padding):
    kernel, bias = layer.get_weights() if layer.use_bias else (layer.get_weights()[0], None)
    rank = x_cl.ndim - 2
    if padding == "valid":
        pads = [(0, 0)] * rank
    elif padding == "causal":
        pads = [((layer.kernel_size[0] - 1) * layer.dilation_rate[0], 0)]
    else:
        pads = ref.same_pads(x_cl.shape[1:-1], layer.kernel_size, layer.strides, layer.dilation_rate)
    out = ref.conv(x_cl, kernel, layer.strides, pads, layer.dilation_rate, layer.groups)
    return out if bias is None else out + bias


@pytest.mark.parametrize("rank,padding", [(1, "valid"), (1, "same"), (1, "causal"), (2, "valid"), (2, "same"),
                                          (3, "valid"), (3, "same")])
@pytest.mark.parametrize("strides,dilation", [(1, 1), (2, 1), (3, 1), (1, 2)])
def test_matches_numpy_reference(rank, padding, strides, dilation, device):
    x = _random(RANK_SHAPES[rank])
    layer = CONV[rank](4, 2 if rank == 3 else 3, strides=strides, dilation_rate=dilation, padding=padding,
                       bias_initializer="random_normal")
    out = layer(torch.tensor(x, device=device))
    assert out.device.type == device
    np.testing.assert_allclose(out.detach().cpu().numpy(), _reference(layer, x, padding), atol=1e-5)


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_channels_first_equals_channels_last(rank):
    x = _random(RANK_SHAPES[rank])
    last = CONV[rank](4, 3 if rank < 3 else 2, strides=2, padding="same")
    first = CONV[rank](4, 3 if rank < 3 else 2, strides=2, padding="same", data_format="channels_first")
    out_last = last(x)
    first.build((None, 3) + x.shape[1:-1])
    first.set_weights(last.get_weights())  # the kernel layout is the same for both data formats
    out_first = first(np.moveaxis(x, -1, 1).copy())
    # two memory layouts, two sets of convolution kernels
    np.testing.assert_allclose(np.moveaxis(out_first.detach().numpy(), 1, -1), out_last.detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_groups():
    x = _random((2, 6, 6, 4))
    layer = layers.Conv2D(6, 3, groups=2, padding="same")
    out = layer(x)
    assert tuple(layer.kernel.shape) == (3, 3, 2, 6)
    np.testing.assert_allclose(out.detach().numpy(), _reference(layer, x, "same"), atol=1e-5)


def test_weights_layout_names_and_order():
    layer = layers.Conv2D(5, (3, 2), name="c")
    layer.build((None, 8, 8, 4))
    assert [w.path for w in layer.weights] == ["c/kernel", "c/bias"]
    assert [tuple(w.shape) for w in layer.get_weights()] == [(3, 2, 4, 5), (5,)]
    assert list(layer.state_dict()) == ["kernel", "bias"]
    assert layer.count_params() == 3 * 2 * 4 * 5 + 5
    no_bias = layers.Conv1D(2, 3, use_bias=False)
    no_bias.build((None, 10, 3))
    assert no_bias.bias is None and len(no_bias.weights) == 1


def test_default_initializers():
    layer = layers.Conv2D(8, 3)
    layer.build((None, 6, 6, 16))
    limit = np.sqrt(6 / (3 * 3 * 16 + 3 * 3 * 8))  # glorot_uniform with receptive-field fans
    kernel = layer.kernel.detach().numpy()
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.8 * limit
    np.testing.assert_array_equal(layer.bias.detach().numpy(), np.zeros(8))


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_symbolic_shapes(rank):
    spatial = (None,) * rank
    inputs = keras.Input(spatial + (3,))
    out = CONV[rank](7, 3, strides=2, padding="same")(inputs)
    assert tuple(out.shape) == (None,) + spatial + (7,)
    fixed = keras.Input((9,) * rank + (3,))
    assert tuple(CONV[rank](7, 3)(fixed).shape) == (None,) + (7,) * rank + (7,)
    assert tuple(CONV[rank](7, 3, strides=2, padding="same")(fixed).shape) == (None,) + (5,) * rank + (7,)
    assert tuple(CONV[rank](7, 3, dilation_rate=2)(fixed).shape) == (None,) + (5,) * rank + (7,)


def test_compute_output_shape_channels_first_and_causal():
    layer = layers.Conv2D(6, 3, strides=(1, 2), data_format="channels_first")
    assert layer.compute_output_shape((None, 3, 10, 11)) == (None, 6, 8, 5)
    causal = layers.Conv1D(4, 5, padding="causal", dilation_rate=2)
    assert causal.compute_output_shape((2, 9, 3)) == (2, 9, 4)
    assert tuple(causal(_random((2, 9, 3))).shape) == (2, 9, 4)


def test_causal_output_depends_only_on_the_past():
    layer = layers.Conv1D(2, 3, padding="causal")
    x = _random((1, 8, 1))
    base = layer(x).detach().numpy()
    x2 = x.copy()
    x2[:, 5:] += 10.0
    changed = layer(x2).detach().numpy()
    # Other inputs, so not bit-for-bit (a convolution algorithm may mix neighbouring inputs); a leak from the
    # future would move these outputs by ~1.
    np.testing.assert_allclose(changed[:, :5], base[:, :5], rtol=1e-6, atol=1e-6)
    assert not np.allclose(changed[:, 5:], base[:, 5:])


def test_activation_and_regularizers():
    layer = layers.Conv2D(3, 2, activation="relu", kernel_regularizer=keras.regularizers.L2(0.1),
                          bias_regularizer="l1", activity_regularizer="l2")
    out = layer(_random((2, 4, 4, 2)))
    assert float(out.detach().min()) >= 0
    assert len(layer.losses) == 3
    expected = 0.1 * float((layer.kernel.detach() ** 2).sum())
    assert any(abs(float(v.detach()) - expected) < 1e-5 for v in layer.losses)


def test_gradients_reach_input_and_weights():
    layer = layers.Conv2D(4, 3, strides=2, padding="same")
    x = torch.tensor(_random((2, 6, 6, 3)), requires_grad=True)
    layer(x).sum().backward()
    assert x.grad is not None and layer.kernel.grad is not None and layer.bias.grad is not None
    assert tuple(layer.kernel.grad.shape) == (3, 3, 3, 4)


def test_float64_inputs_are_cast_to_the_layer_dtype():
    layer = layers.Conv1D(2, 2)
    out = layer(torch.tensor(_random((1, 5, 3)), dtype=torch.float64))
    assert out.dtype == torch.float32
    layer64 = layers.Conv1D(2, 2, dtype="float64")
    assert layer64(_random((1, 5, 3))).dtype == torch.float64


def test_config_round_trip_and_serialization():
    layer = layers.Conv2D(8, (3, 5), strides=2, padding="same", dilation_rate=1, groups=2, activation="relu",
                          use_bias=False, kernel_initializer="he_normal", kernel_regularizer="l2",
                          kernel_constraint="max_norm", data_format="channels_first", name="conv")
    config = layer.get_config()
    assert config["kernel_size"] == (3, 5) and config["strides"] == (2, 2) and config["padding"] == "same"
    assert config["activation"] == "relu" and config["groups"] == 2 and config["use_bias"] is False
    assert config["kernel_initializer"]["class_name"] == "HeNormal"
    assert set(config) == {
        "name", "trainable", "dtype", "filters", "kernel_size", "strides", "padding", "data_format",
        "dilation_rate", "groups", "activation", "use_bias", "kernel_initializer", "bias_initializer",
        "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"}
    clone = layers.Conv2D.from_config(config)
    assert clone.get_config() == config
    restored = serialization_lib.deserialize_keras_object(serialization_lib.serialize_keras_object(layer))
    assert type(restored) is layers.Conv2D and restored.get_config() == config


def test_keras2_config_with_unknown_keys_loads():
    config = layers.Conv1D(4, 3).get_config()
    config["lora_rank"] = None
    config["some_future_key"] = 1
    assert layers.Conv1D.from_config(config).filters == 4


def test_aliases():
    assert layers.Convolution1D is layers.Conv1D
    assert layers.Convolution2D is layers.Conv2D
    assert layers.Convolution3D is layers.Conv3D


@pytest.mark.parametrize("kwargs,match", [
    ({"filters": 0, "kernel_size": 3}, "Expected a strictly positive value"),
    ({"filters": 4, "kernel_size": 0}, "kernel_size"),
    ({"filters": 4, "kernel_size": (3, 3, 3)}, "must be a tuple of 2 integers"),
    ({"filters": 4, "kernel_size": 3, "strides": 0}, "strides"),
    ({"filters": 4, "kernel_size": 3, "padding": "causal"}, "padding"),
    ({"filters": 4, "kernel_size": 3, "padding": "full"}, "padding"),
    ({"filters": 5, "kernel_size": 3, "groups": 2}, "evenly divisible by the number of groups"),
    ({"filters": 4, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, "not supported in conjunction"),
    ({"filters": 4, "kernel_size": 3, "data_format": "NHWC"}, "data_format"),
])
def test_constructor_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.Conv2D(**kwargs)


def test_missing_arguments():
    with pytest.raises(TypeError, match="kernel_size"):
        layers.Conv2D(3)
    with pytest.raises(TypeError, match="filters"):
        layers.Conv2D()


def test_build_and_call_errors():
    with pytest.raises(ValueError, match="evenly divisible"):
        layers.Conv2D(4, 3, groups=2)(_random((1, 5, 5, 3)))
    with pytest.raises(ValueError, match="zero or negative"):
        layers.Conv2D(4, 5)(_random((1, 3, 3, 2)))
    with pytest.raises(ValueError, match="expected ndim=4"):
        layers.Conv2D(4, 3)(_random((5, 5, 3)))
    with pytest.raises(ValueError, match="channel dimension"):
        layers.Conv2D(4, 3)(keras.Input((5, 5, None)))
    layer = layers.Conv2D(4, 3)
    layer(_random((1, 5, 5, 3)))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        layer(_random((1, 5, 5, 2)))


def test_keras1_convolution2d_spelling():
    from torchkeras.utils import legacy_args

    legacy_args._WARNED.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layer = layers.Convolution2D(8, 3, 3, border_mode="same", subsample=(2, 2), init="he_normal",
                                     W_regularizer="l2", b_regularizer="l1", input_shape=(6, 6, 1))
    messages = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    for old, new in [("border_mode", "padding"), ("subsample", "strides"), ("init", "kernel_initializer"),
                     ("W_regularizer", "kernel_regularizer"), ("b_regularizer", "bias_regularizer")]:
        assert any(f"({old}=...)" in m and f"`{new}=`" in m for m in messages), (old, messages)
    assert layer.kernel_size == (3, 3) and layer.strides == (2, 2) and layer.padding == "same"
    assert layer.kernel_initializer.__class__.__name__ == "HeNormal"
    assert layer.kernel_regularizer is not None and layer.bias_regularizer is not None
    assert tuple(layer(_random((1, 6, 6, 1))).shape) == (1, 3, 3, 8)


def test_keras1_spellings_warn_once():
    from torchkeras.utils import legacy_args

    legacy_args._WARNED.discard(("Conv2D", "border_mode"))
    with pytest.warns(DeprecationWarning, match="padding"):
        layers.Conv2D(4, 3, border_mode="valid")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        layers.Conv2D(4, 3, border_mode="valid")  # second time: silent


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_keras1_named_kernel_dims_and_conv1d():
    layer = layers.Convolution2D(nb_filter=4, nb_row=2, nb_col=3, dim_ordering="th", bias=False)
    assert layer.filters == 4 and layer.kernel_size == (2, 3) and layer.data_format == "channels_first"
    assert layer.use_bias is False
    assert layers.Convolution2D(4, 5, nb_col=1).kernel_size == (5, 1)
    conv1d = layers.Convolution1D(nb_filter=6, filter_length=4, subsample_length=2, border_mode="same")
    assert (conv1d.filters, conv1d.kernel_size, conv1d.strides, conv1d.padding) == (6, (4,), (2,), "same")
    assert layers.Convolution1D(6, 4, "he_uniform").kernel_initializer.__class__.__name__ == "HeUniform"
    conv3d = layers.Convolution3D(2, 3, 3, 3, border_mode="same")
    assert conv3d.kernel_size == (3, 3, 3) and conv3d.strides == (1, 1, 1) and conv3d.padding == "same"


def test_keras3_positional_strides_keep_their_meaning():
    layer = layers.Conv2D(4, 3, 2)
    assert layer.kernel_size == (3, 3) and layer.strides == (2, 2)


def test_lora_freezes_the_kernel_and_other_conv_layers_reject_it():
    layer = layers.Conv2D(4, 3, lora_rank=2)
    layer.build((None, 6, 6, 3))
    assert layer.lora_enabled and [w.name for w in layer.trainable_weights] == ["bias", "lora_kernel_a",
                                                                               "lora_kernel_b"]
    for cls in (layers.Conv2DTranspose, layers.DepthwiseConv2D):  # Keras has no LoRA there either
        with pytest.raises(ValueError, match="lora_rank"):
            cls(4, 3, lora_rank=2) if cls is layers.Conv2DTranspose else cls(3, lora_rank=2)


def test_sequential_training_reduces_loss():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 8, 8, 1)).astype("float32")
    y = (x.mean(axis=(1, 2, 3)) > 0).astype("float32")[:, None]
    model = keras.Sequential([
        layers.Conv2D(4, 3, activation="relu", padding="same", input_shape=(8, 8, 1)),  # Keras 2 style
        layers.Conv2D(4, 3, strides=2, activation="relu"),
        layers.Flatten(),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


@pytest.mark.parametrize("layer", [layers.Conv1D(2, 3, padding="same"), layers.Conv2D(2, 3, strides=2),
                                   layers.Conv3D(2, 2)], ids=lambda layer: type(layer).__name__)
def test_pickle_and_deepcopy(layer):
    import copy
    import io
    import pickle

    rank = int(type(layer).__name__[-2])
    x = _random(RANK_SHAPES[rank])
    expected = layer(x).detach().numpy()
    buffer = io.BytesIO()
    torch.save(layer, buffer)
    buffer.seek(0)
    for clone in (copy.deepcopy(layer), pickle.loads(pickle.dumps(layer)), torch.load(buffer, weights_only=False)):
        np.testing.assert_array_equal(clone(x).detach().numpy(), expected)
