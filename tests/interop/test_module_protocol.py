"""A torchkeras Layer or Model is a plain `torch.nn.Module` to PyTorch code."""
import io

import numpy as np
import pytest
import torch

import torchkeras as keras
from . import helpers


class Residual(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(4, name="inner")
        self.norm = keras.layers.LayerNormalization(name="norm")

    def call(self, x, training=None):
        return self.norm(x + self.dense(x))


def test_call_on_torch_tensor_returns_tensor_with_autograd(device):
    model = helpers.functional_mlp()
    x = torch.randn(5, 4, device=device)
    out = model(x)
    assert isinstance(out, torch.Tensor) and out.shape == (5, 3) and out.device.type == device
    out.square().sum().backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and g.shape == p.shape for g, p in zip(grads, model.parameters()))


def test_state_dict_keys_are_weight_paths_one_per_weight():
    model = helpers.functional_mlp(batchnorm=True)
    keys = list(model.state_dict().keys())
    assert keys == ["hidden.kernel", "hidden.bias", "bn.gamma", "bn.beta", "bn.moving_mean", "bn.moving_variance",
                    "head.kernel", "head.bias"]
    # The keys are the Keras weight paths (`hidden/kernel`) with torch's separator.
    assert [k.replace(".", "/") for k in keys] == [w.path for w in model.weights]
    sub = Residual()
    sub(torch.zeros(2, 4))
    assert list(sub.state_dict().keys()) == ["dense.kernel", "dense.bias", "norm.gamma", "norm.beta"]


def test_sequential_state_dict_has_one_entry_per_weight():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="a"), keras.layers.Dense(2, name="b")])
    assert list(model.state_dict().keys()) == ["a.kernel", "a.bias", "b.kernel", "b.bias"]
    assert len(list(model.parameters())) == 4


def test_load_state_dict_and_torch_save_round_trip():
    source = helpers.functional_mlp(batchnorm=True)
    source.get_layer("bn").moving_mean.assign(np.arange(8, dtype="float32"))
    buffer = io.BytesIO()
    torch.save(source.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)
    target = helpers.functional_mlp(batchnorm=True)
    x = torch.randn(6, 4)
    assert not torch.allclose(source(x), target(x))
    result = target.load_state_dict(state)
    assert not result.missing_keys and not result.unexpected_keys
    torch.testing.assert_close(target(x), source(x))
    # The variables are still Keras variables, updated in place.
    assert isinstance(target.get_layer("bn").moving_mean, keras.Variable)
    np.testing.assert_array_equal(target.get_layer("bn").moving_mean.numpy(), np.arange(8))


def test_load_state_dict_rejects_wrong_shapes():
    model = helpers.functional_mlp()
    state = model.state_dict()
    state["head.kernel"] = torch.zeros(2, 2)
    with pytest.raises(RuntimeError, match="size mismatch"):
        model.load_state_dict(state)


def test_to_device_moves_the_keras_variables(device):
    model = helpers.functional_mlp(batchnorm=True)
    moved = model.to(device)
    assert moved is model
    assert all(p.device.type == device for p in model.parameters())
    assert all(isinstance(w, keras.Variable) and w.device.type == device for w in model.weights)
    assert model.get_layer("bn").moving_mean.path == "bn/moving_mean"
    out = model(torch.randn(2, 4, device=device))
    assert out.device.type == device


def test_layers_start_in_eval_mode_and_follow_train_eval():
    model = helpers.functional_mlp(dropout=0.5)
    assert model.training is False
    assert all(layer.training is False for layer in model.layers)
    x = torch.ones(64, 4)
    torch.testing.assert_close(model(x), model(x))  # eval: dropout off
    model.train()
    assert all(layer.training for layer in model.layers[1:])  # the InputLayer is no submodule
    hidden = keras.Model(model.input, model.get_layer("drop").output)
    hidden.train()
    out = hidden(x)
    assert (out == 0).float().mean() > 0.2  # dropout active in train mode
    # An explicit `training=False` still wins over the module flag.
    torch.testing.assert_close(model(x, training=False), model(x, training=False))
    model.eval()
    assert not any(layer.training for layer in model.layers)


def test_batchnorm_uses_batch_statistics_in_train_mode():
    model = helpers.functional_mlp(batchnorm=True)
    bn = model.get_layer("bn")
    x = torch.randn(16, 4) * 3 + 1
    before = bn.moving_mean.detach().clone()
    model(x)  # eval mode: moving statistics unchanged
    torch.testing.assert_close(bn.moving_mean.detach(), before)
    model.train()
    model(x)
    assert not torch.allclose(bn.moving_mean.detach(), before)
    hidden = keras.Model(model.input, bn.output)
    hidden.train()
    normalized = hidden(x)
    torch.testing.assert_close(normalized.mean(0), bn.beta.detach().expand(8), atol=1e-5, rtol=0)


def test_parameters_train_with_a_torch_optimizer():
    model = helpers.functional_mlp()
    x, y = helpers.classification_data()
    x, y = torch.tensor(x), torch.tensor(y)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    kernel = model.get_layer("head").kernel
    before = kernel.detach().clone()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    grad = kernel.grad.clone()
    optimizer.step()
    torch.testing.assert_close(kernel.detach(), before - 0.1 * grad)
    losses = []
    for _ in range(20):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_forward_and_backward_hooks_fire_in_direct_calls_and_in_fit():
    model = helpers.functional_mlp()
    seen, pre, grads = [], [], []
    head = model.get_layer("head")
    head.register_forward_hook(lambda module, args, output: seen.append(tuple(output.shape)))
    head.register_forward_pre_hook(lambda module, args: pre.append(tuple(args[0].shape)))
    head.register_full_backward_hook(lambda module, grad_in, grad_out: grads.append(tuple(grad_out[0].shape)))
    model(torch.randn(3, 4)).sum().backward()
    assert seen == [(3, 3)] and pre == [(3, 8)] and grads == [(3, 3)]
    x, y = helpers.classification_data(n=16)
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert seen[-2:] == [(8, 3), (8, 3)] and len(grads) == 3


def test_torch_compile_matches_eager():
    model = helpers.functional_mlp(dropout=0.3)
    compiled = torch.compile(model, backend="eager")
    x = torch.randn(7, 4)
    torch.testing.assert_close(compiled(x), model(x))
    compiled(x).sum().backward()
    assert model.get_layer("hidden").kernel.grad is not None


def test_torch_export_functional_model():
    model = helpers.functional_mlp(dropout=0.5, batchnorm=True)
    model.get_layer("bn").moving_variance.assign(np.full(8, 4.0, dtype="float32"))
    x = torch.randn(5, 4)
    program = torch.export.export(model, (x,))
    torch.testing.assert_close(program.module()(x), model(x))


def test_torch_export_sequential_model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(2)])
    x = torch.randn(5, 4)
    program = torch.export.export(model, (x,))
    torch.testing.assert_close(program.module()(x), model(x))


@pytest.mark.skipif(not helpers.onnx_installed(), reason="the onnx package is not installed")
def test_torch_onnx_export(tmp_path):
    from onnx.reference import ReferenceEvaluator

    model = helpers.functional_mlp(dropout=0.5)
    x = torch.randn(5, 4)
    path = str(tmp_path / "model.onnx")
    torch.onnx.export(model, (x,), path, dynamo=False, input_names=["features"])
    result = ReferenceEvaluator(path).run(None, {"features": x.numpy()})[0]
    np.testing.assert_allclose(result, model(x).detach().numpy(), rtol=1e-5, atol=1e-6)
