"""The graph plan's inference shortcuts, taken only without autograd, compiler tracing and hooks, and always with
the numbers of the ordinary calls:
- ReLU/relu6 and two-input Add overwrite a tensor that nothing else can see (a fresh output of a convolution,
  batch normalization or sum, read once, not a model output);
- a convolution absorbs the ZeroPadding2D before it (no zero-filled copy of the activations)."""
import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


def _inplace_steps(model):
    return [step.op.name for step in model._graph_plan.steps if step.inplace is not None]


def _residual_model():
    inp = keras.Input((8, 8, 3))
    x = layers.Conv2D(4, 3, padding="same", name="conv")(inp)
    x = layers.BatchNormalization(name="bn")(x)
    x = layers.ReLU(6.0, name="relu6")(x)
    y = layers.Conv2D(4, 1, name="conv_b")(x)
    y = layers.BatchNormalization(name="bn_b")(y)
    s = layers.Add(name="add")([x, y])            # x is also read by conv_b: only y can be overwritten
    s = layers.Activation("relu", name="relu")(s)
    return keras.Model(inp, layers.GlobalAveragePooling2D()(s))


def test_inplace_steps_are_chosen_once_per_structure():
    model = _residual_model()
    assert _inplace_steps(model) == ["relu6", "add", "relu"]
    add = next(s for s in model._graph_plan.steps if s.op.name == "add")
    assert add.inplace[2] == 1  # the second input (bn_b's output), the first is read twice


def test_inference_gives_the_numbers_of_the_ordinary_call():
    model = _residual_model()
    x = torch.randn(2, 8, 8, 3)
    expected = model(x).detach()  # autograd on: the ordinary calls
    with torch.no_grad():
        torch.testing.assert_close(model(x), expected, rtol=0, atol=0)
    np.testing.assert_array_equal(model.predict(x.numpy(), verbose=0), expected.numpy())


def test_values_seen_elsewhere_are_never_overwritten():
    inp = keras.Input((5,))
    h = layers.Dense(5, name="dense")(inp)
    bn = layers.BatchNormalization(name="bn")(h)
    out = layers.ReLU(name="relu")(bn)
    model = keras.Model(inp, [bn, out])           # bn's output is a model output
    assert _inplace_steps(model) == []
    x = torch.randn(4, 5)
    with torch.no_grad():
        b, r = model(x)
    assert (b < 0).any()                           # not rectified in place
    torch.testing.assert_close(r, torch.relu(b))

    relu_of_input = keras.Sequential([keras.Input((5,)), layers.ReLU()])
    assert _inplace_steps(relu_of_input) == []     # the caller's tensor
    x = -torch.ones(2, 5)
    with torch.no_grad():
        relu_of_input(x)
    assert (x == -1).all()


def test_hooks_see_the_layer_input_unchanged():
    model = _residual_model()
    seen = []
    handle = model.get_layer("relu6").register_forward_hook(lambda m, args, out: seen.append(args[0].clone()))
    x = torch.randn(2, 8, 8, 3)
    with torch.no_grad():
        model(x)
    handle.remove()
    assert (seen[0] < 0).any() or (seen[0] > 6).any()


def test_add_with_broadcasting_takes_the_ordinary_call():
    inp = keras.Input((4, 3))
    a = layers.Dense(3, name="a")(inp)
    a = layers.BatchNormalization(name="bn_a")(a)
    b = layers.Dense(1, name="b")(layers.GlobalAveragePooling1D()(inp))
    b = layers.BatchNormalization(name="bn_b")(layers.Reshape((1, 1))(b))
    model = keras.Model(inp, layers.Add(name="add")([a, b]))
    assert "add" in _inplace_steps(model)          # planned, but the shapes differ when it runs
    x = torch.randn(2, 4, 3)
    expected = model(x).detach()
    with torch.no_grad():
        torch.testing.assert_close(model(x), expected, rtol=0, atol=0)


@pytest.mark.parametrize("name", ["MobileNetV2", "ResNet50"])
def test_applications_run_in_place_in_inference(name):
    model = getattr(keras.applications, name)(weights=None, input_shape=(64, 64, 3), classes=5)
    assert len(_inplace_steps(model)) > 30
    x = torch.randn(1, 64, 64, 3)
    expected = model(x).detach()
    with torch.no_grad():  # absorbed paddings run other convolution kernels: equal up to float32 rounding
        torch.testing.assert_close(model(x), expected, rtol=1e-5, atol=1e-6)


def _padded_conv_model(pads, conv):
    inp = keras.Input((15, 16, 3))
    return keras.Model(inp, conv(layers.ZeroPadding2D(pads, name="pad")(inp)))


def _absorbed(model):
    return [step.op.name for step in model._graph_plan.steps if step.absorb is not None]


@pytest.mark.parametrize("pads", [((0, 1), (0, 1)), ((1, 1), (1, 1)), ((1, 2), (3, 3)), ((3, 3), (0, 1))])
@pytest.mark.parametrize("conv", [
    lambda: layers.DepthwiseConv2D(3, strides=2, bias_initializer="random_normal", name="conv"),
    lambda: layers.Conv2D(5, 3, strides=2, activation="relu", name="conv"),
    lambda: layers.Conv2D(4, (3, 2), strides=(1, 2), name="conv"),
    lambda: layers.Conv2D(4, 7, strides=2, use_bias=False, name="conv"),
])
def test_convolutions_absorb_the_zero_padding_before_them(pads, conv):
    model = _padded_conv_model(pads, conv())
    assert _absorbed(model) == ["conv"]
    x = torch.randn(2, 15, 16, 3)
    expected = model(x).detach()
    with torch.no_grad():
        got = model(x)
    assert got.shape == expected.shape
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)  # other kernels, same sums


def test_padding_is_absorbed_only_where_the_convolution_alone_reads_it():
    conv = lambda: layers.Conv2D(2, 3, strides=2, name="conv")  # noqa: E731
    assert _absorbed(_padded_conv_model(((0, 2), (0, 1)), conv())) == []  # pads differ by more than one
    assert _absorbed(_padded_conv_model(((0, 1), (0, 1)), layers.Conv2D(2, 3, padding="same"))) == []
    assert _absorbed(_padded_conv_model(((0, 1), (0, 1)), layers.Conv2D(2, 3, dilation_rate=2))) == []
    inp = keras.Input((6, 6, 3))
    padded = layers.ZeroPadding2D(((0, 1), (0, 1)))(inp)
    two_readers = keras.Model(inp, [conv()(padded), layers.Flatten()(padded)])
    assert _absorbed(two_readers) == []

    class MyConv(layers.Conv2D):
        def call(self, inputs):
            return super().call(inputs) * 2.0

    overridden = _padded_conv_model(((0, 1), (0, 1)), MyConv(2, 3, strides=2, name="conv"))
    assert _absorbed(overridden) == []


def test_hooks_see_the_padded_tensor():
    model = _padded_conv_model(((0, 1), (0, 1)), layers.Conv2D(2, 3, strides=2, name="conv"))
    seen = []
    handle = model.get_layer("conv").register_forward_pre_hook(lambda m, args: seen.append(tuple(args[0].shape)))
    with torch.no_grad():
        out = model(torch.randn(2, 15, 16, 3))
    handle.remove()
    assert seen == [(2, 16, 17, 3)] and tuple(out.shape) == (2, 7, 8, 2)


def test_mixed_precision_layers_take_the_ordinary_calls():
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        model = _residual_model()
        padded = _padded_conv_model(((0, 1), (0, 1)), layers.Conv2D(2, 3, strides=2, name="conv"))
    finally:
        keras.config.set_dtype_policy("float32")
    for m, shape in ((model, (2, 8, 8, 3)), (padded, (2, 15, 16, 3))):
        x = torch.randn(*shape)
        expected = m(x).detach()
        with torch.no_grad():
            got = m(x)
        assert got.dtype == expected.dtype
        torch.testing.assert_close(got, expected, rtol=0, atol=0)


def test_subclasses_that_override_call_get_no_shortcut():
    class KeepsOutput(layers.BatchNormalization):
        def call(self, inputs, training=None, mask=None):
            self.kept = super().call(inputs, training=training)
            return self.kept

    class LoggingReLU(layers.ReLU):
        def call(self, inputs):
            self.seen = inputs.clone()
            return super().call(inputs)

    inp = keras.Input((6,))
    bn = KeepsOutput(name="bn")(layers.Dense(6)(inp))
    model = keras.Model(inp, layers.ReLU(name="relu")(bn))
    assert _inplace_steps(model) == []
    with torch.no_grad():
        model(torch.randn(4, 6))
    assert (model.get_layer("bn").kept < 0).any()      # not rectified behind its back

    inp = keras.Input((6,))
    bn = layers.BatchNormalization()(layers.Dense(6)(inp))
    logged = keras.Model(inp, LoggingReLU(name="relu")(bn))
    assert _inplace_steps(logged) == []


def test_a_padding_subclass_that_overrides_call_is_not_absorbed():
    class ShiftedPadding(layers.ZeroPadding2D):
        def call(self, inputs):
            return super().call(inputs) + 1.0

    model = _padded_conv_model(((0, 1), (0, 1)), layers.Conv2D(2, 3, strides=2, name="conv"))
    inp = keras.Input((15, 16, 3))
    shifted = keras.Model(inp, layers.Conv2D(2, 3, strides=2, name="conv")(ShiftedPadding(((0, 1), (0, 1)))(inp)))
    assert _absorbed(model) == ["conv"] and _absorbed(shifted) == []
