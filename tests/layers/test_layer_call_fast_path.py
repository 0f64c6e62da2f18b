"""A call on one tensor reuses what the previous call settled (`training` aside): the signature, the mask and
dtype facts, the input check for that shape. Layers then run `call` straight away, unless a torch hook, a
`module.compile()`, a global hook, `torch.jit.trace`, a dtype-policy region or a changed input is in the way:
each of those must still behave exactly as through `nn.Module.__call__` and the full `Layer.__call__`."""
import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers

RNG = None


@pytest.fixture(autouse=True)
def _rng():
    global RNG
    RNG = np.random.default_rng(0)


def _x(*shape):
    return torch.from_numpy(RNG.standard_normal(shape).astype("float32"))


def _mlp():
    """A chain: the plan runs it as one loop over the layers."""
    return keras.Sequential([keras.Input((6,)), layers.Dense(5, activation="relu", name="hidden"),
                             layers.Dense(3, name="head")])


def _residual():
    """Not a chain: the plan runs it step by step."""
    inputs = keras.Input((6,))
    hidden = layers.Dense(5, activation="relu", name="hidden")(inputs)
    merged = layers.Concatenate()([hidden, inputs])
    return keras.Model(inputs, layers.Dense(3, name="head")(merged))


MODELS = {"chain": _mlp, "graph": _residual}


def _settled(make, batch=2):
    """A new model, called twice: what its calls settle is recorded, and the next calls take the direct path."""
    model = make()
    x = _x(batch, 6)
    model(x), model(x)
    return model, x


@pytest.mark.parametrize("kind", sorted(MODELS))
@pytest.mark.parametrize("where", ["layer", "model"])
def test_forward_hooks_added_after_the_first_calls_fire(where, kind):
    model, x = _settled(MODELS[kind], batch=4)
    target = model.get_layer("hidden") if where == "layer" else model
    seen = []
    handle = target.register_forward_hook(lambda module, args, out: seen.append(tuple(out.shape)))
    model(x)
    target(x) if where == "layer" else None
    assert seen == ([(4, 5), (4, 5)] if where == "layer" else [(4, 3)])
    handle.remove()
    model(x)
    assert len(seen) == (2 if where == "layer" else 1)


def test_a_pre_hook_that_replaces_the_input_is_honoured():
    model = _mlp()
    x = _x(4, 6)
    before = model(x).detach()
    hidden = model.get_layer("hidden")
    handle = hidden.register_forward_pre_hook(lambda module, args: (args[0] * 0,))
    zeroed = model(x).detach()
    expected = model.get_layer("head")(torch.relu(hidden.bias.detach()).expand(4, 5)).detach()
    np.testing.assert_allclose(zeroed.numpy(), expected.numpy(), rtol=1e-6, atol=1e-6)
    handle.remove()
    np.testing.assert_array_equal(model(x).detach().numpy(), before.numpy())


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_global_module_hooks_fire(kind):
    model, x = _settled(MODELS[kind])
    seen = []
    handle = torch.nn.modules.module.register_module_forward_hook(
        lambda module, args, out: seen.append(getattr(module, "name", None)))
    try:
        model(x)
    finally:
        handle.remove()
    assert {"hidden", "head"} <= set(seen)


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_backward_hooks_fire_in_direct_calls(kind):
    model, x = _settled(MODELS[kind])
    grads = []
    model.get_layer("head").register_full_backward_hook(lambda m, grad_in, grad_out: grads.append(grad_out[0].shape))
    model(x).sum().backward()
    assert grads == [torch.Size([2, 3])]


def test_a_new_input_shape_is_checked_again():
    dense = layers.Dense(3)
    dense(_x(2, 4)), dense(_x(2, 4))
    with pytest.raises(ValueError, match="incompatible"):
        dense(_x(2, 5))


def test_a_new_input_dtype_is_cast_again():
    dense = layers.Dense(3)
    x = _x(2, 4)
    dense(x), dense(x)
    out = dense(x.double())
    assert out.dtype == torch.float32
    np.testing.assert_allclose(out.detach().numpy(), dense(x).detach().numpy(), rtol=1e-6)


def test_training_flows_into_nested_layers_on_the_direct_path():
    class Outer(layers.Layer):
        def __init__(self):
            super().__init__()
            self.drop = layers.Dropout(0.999, seed=1)

        def call(self, x):
            return self.drop(x)

    outer = Outer()
    x = torch.ones(64, 64)
    outer(x), outer(x)
    assert torch.equal(outer(x), x)  # inference: dropout off
    assert (outer(x, training=True) == 0).float().mean() > 0.9


def test_a_mask_given_later_still_reaches_a_layer_that_takes_one():
    class Counts(layers.Layer):
        def call(self, x, mask=None):
            return x.sum(-1) if mask is None else (x * mask[..., None]).sum(-1)

    layer = Counts()
    x = torch.ones(2, 3, 4)
    layer(x), layer(x)
    x_masked = torch.ones(2, 3, 4)
    x_masked._keras_mask = torch.tensor([[1.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    np.testing.assert_array_equal(layer(x_masked).numpy(), [[4, 4, 0], [4, 0, 0]])


def test_masking_turned_on_later_propagates_the_mask():
    layer = layers.Activation("relu")
    x = torch.ones(2, 3)
    layer(x), layer(x)
    layer.supports_masking = True
    x._keras_mask = torch.tensor([True, False])
    assert torch.equal(layer(x)._keras_mask, x._keras_mask)


def test_an_activity_regularizer_set_later_adds_its_loss():
    dense = layers.Dense(2, kernel_initializer="ones")
    x = torch.ones(4, 3)
    dense(x), dense(x)
    assert dense.losses == []
    dense.activity_regularizer = keras.regularizers.L1(0.5)
    dense(x)
    assert len(dense.losses) == 1
    np.testing.assert_allclose(float(dense.losses[0]), 0.5 * 3 * 2 * 4 / 4, rtol=1e-6)


def test_losses_of_the_last_call_replace_those_of_the_one_before():
    class AddsLoss(layers.Layer):
        def call(self, x):
            self.add_loss(x.sum())
            return x

    model = keras.Sequential([keras.Input((2,)), AddsLoss()])
    for value in (1.0, 2.0, 3.0):
        model(torch.full((1, 2), value))
        assert [float(v) for v in model.losses] == [2 * value]


def test_a_new_dtype_policy_takes_effect_on_the_next_call():
    dense = layers.Dense(3)
    x = _x(2, 4)
    dense(x), dense(x)
    dense.dtype_policy = "mixed_bfloat16"
    assert dense(x).dtype == torch.bfloat16


def test_module_compile_is_honoured():
    dense = layers.Dense(3)
    x = _x(2, 4)
    dense(x), dense(x)
    runs = []

    def backend(gm, inputs):
        def run(*args):
            runs.append(1)
            return gm.forward(*args)

        return run

    torch.nn.Module.compile(dense, backend=backend)
    for _ in range(3):
        out = dense(x)
    assert len(runs) == 3
    np.testing.assert_allclose(out.detach().numpy(), dense.call(x).detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_jit_trace_records_the_layers_as_submodule_calls(kind):
    model, x = _settled(MODELS[kind])
    traced = torch.jit.trace(model, (x,), check_trace=False)
    np.testing.assert_allclose(traced(x).detach().numpy(), model(x).detach().numpy(), rtol=1e-6)
    called = [layer for layer in model.layers if not isinstance(layer, layers.InputLayer)]
    assert str(traced.graph).count("prim::CallMethod") == len(called)  # each layer traced as a module call



def test_predict_with_verbose_0_and_callbacks_still_calls_them():
    model = _mlp()
    events = []

    class Recorder(keras.callbacks.Callback):
        def on_predict_begin(self, logs=None):
            events.append("begin")

        def on_predict_batch_end(self, batch, logs=None):
            events.append("batch")

        def on_predict_end(self, logs=None):
            events.append("end")

    x = RNG.standard_normal((3, 6)).astype("float32")
    out = model.predict(x, verbose=0, callbacks=[Recorder()])
    assert events == ["begin", "batch", "end"]
    np.testing.assert_array_equal(out, model.predict(x, verbose=0))
    np.testing.assert_array_equal(out, model.predict_on_batch(x))


def test_predict_leaves_autograd_as_it_found_it_even_when_the_step_fails():
    class Fails(layers.Layer):
        armed = False

        def call(self, x):
            if self.armed:
                raise RuntimeError("inference went wrong")
            return x

    failing = Fails()
    model = keras.Sequential([keras.Input((2,)), failing])
    failing.armed = True
    x = np.ones((1, 2), "float32")
    for predict in (model.predict_on_batch, lambda data: model.predict(data, verbose=0)):
        with pytest.raises(RuntimeError, match="inference went wrong"):
            predict(x)
        assert torch.is_grad_enabled()
    with torch.no_grad():
        with pytest.raises(RuntimeError, match="inference went wrong"):
            model.predict_on_batch(x)
        assert not torch.is_grad_enabled()


def test_autocast_turned_on_later_casts_again():
    dense = layers.Dense(3, autocast=False)
    x = _x(2, 4)
    dense(x), dense(x)
    dense.autocast = True
    assert dense(x.double()).dtype == torch.float32
