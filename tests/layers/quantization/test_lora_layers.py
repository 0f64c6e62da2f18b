"""LoRA on Dense, EinsumDense, Embedding and Conv: frozen weight, low-rank update, config, saving hooks."""
import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


def _rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


CASES = {
    "dense": (lambda **kw: layers.Dense(5, **kw), (None, 4), "kernel", ("lora_kernel_a", "lora_kernel_b"),
              [(4, 2), (2, 5)]),
    "einsum": (lambda **kw: layers.EinsumDense("abc,cde->abde", (None, 2, 3), bias_axes="de", **kw), (None, 3, 4),
               "kernel", ("lora_kernel_a", "lora_kernel_b"), [(4, 2, 2), (2, 3)]),
    "embedding": (lambda **kw: layers.Embedding(10, 5, **kw), None, "embeddings",
                  ("lora_embeddings_a", "lora_embeddings_b"), [(10, 2), (2, 5)]),
    "conv1d": (lambda **kw: layers.Conv1D(5, 3, **kw), (None, 7, 4), "kernel", ("lora_kernel_a", "lora_kernel_b"),
               [(3, 4, 2), (2, 5)]),
    "conv2d": (lambda **kw: layers.Conv2D(5, 3, **kw), (None, 6, 6, 4), "kernel", ("lora_kernel_a", "lora_kernel_b"),
               [(3, 3, 4, 2), (2, 5)]),
    "conv3d": (lambda **kw: layers.Conv3D(5, 2, **kw), (None, 4, 4, 4, 2), "kernel",
               ("lora_kernel_a", "lora_kernel_b"), [(2, 2, 2, 2, 2), (2, 5)]),
}


def _inputs(kind, shape):
    if kind == "embedding":
        return torch.tensor(np.random.default_rng(1).integers(0, 10, (3, 4)))
    return torch.tensor(_rand((2,) + shape[1:], 1))


def _built(kind, **kwargs):
    make, shape = CASES[kind][:2]
    layer = make(**kwargs)
    layer.build(shape)
    return layer


@pytest.mark.parametrize("kind", list(CASES))
def test_lora_rank_argument_freezes_the_weight(kind):
    _, shape, weight, names, lora_shapes = CASES[kind]
    layer = _built(kind, lora_rank=2, lora_alpha=4)
    assert layer.lora_enabled and layer.lora_rank == 2 and layer.lora_alpha == 4
    assert [tuple(getattr(layer, n).shape) for n in names] == lora_shapes
    assert [w.name for w in layer.non_trainable_weights] == [weight]
    assert set(names) <= {w.name for w in layer.trainable_weights}
    assert all(getattr(layer, n).dtype == torch.float32 for n in names)
    config = layer.get_config()
    assert config["lora_rank"] == 2 and config["lora_alpha"] == 4


@pytest.mark.parametrize("kind", list(CASES))
def test_lora_output_is_the_merged_weight(kind):
    _, shape, weight, names, _ = CASES[kind]
    layer = _built(kind)
    x = _inputs(kind, shape)
    base = layer(x).detach()
    layer.enable_lora(2, lora_alpha=6)
    assert torch.equal(layer(x).detach(), base)  # b starts at zero
    a, b = (getattr(layer, n) for n in names)
    with torch.no_grad():
        b.copy_(torch.tensor(_rand(tuple(b.shape), 2)))
    reference = _built(kind)
    merged = getattr(layer, weight) + 3.0 * torch.matmul(a, b)
    reference.set_weights([merged.detach().numpy()] + [w.detach().numpy() for w in layer.weights[1:]
                                                       if w.name not in names])
    np.testing.assert_allclose(layer(x).detach().numpy(), reference(x).detach().numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", list(CASES))
def test_save_merges_and_load_resets_lora(kind):
    _, shape, weight, names, _ = CASES[kind]
    layer = _built(kind, lora_rank=2)
    with torch.no_grad():
        getattr(layer, names[1]).copy_(torch.tensor(_rand(tuple(getattr(layer, names[1]).shape), 3)))
    x = _inputs(kind, shape)
    store = {}
    layer.save_own_variables(store)
    assert len(store) == len(layer.weights) - 2  # the LoRA weights are merged in, not stored
    plain = _built(kind)
    plain.load_own_variables(store)
    np.testing.assert_allclose(plain(x).detach().numpy(), layer(x).detach().numpy(), rtol=1e-5, atol=1e-5)
    adapted = _built(kind, lora_rank=2)
    adapted.load_own_variables(store)
    assert all(float(getattr(adapted, n).detach().abs().sum()) == 0 for n in names)
    np.testing.assert_allclose(adapted(x).detach().numpy(), layer(x).detach().numpy(), rtol=1e-5, atol=1e-5)


def test_enable_lora_errors():
    layer = layers.Dense(3)
    with pytest.raises(ValueError, match="isn't yet built"):
        layer.enable_lora(2)
    layer.build((None, 4))
    layer.enable_lora(2)
    with pytest.raises(ValueError, match="already enabled"):
        layer.enable_lora(2)
    constrained = layers.Dense(3, kernel_constraint="max_norm")
    constrained.build((None, 4))
    with pytest.raises(ValueError, match="incompatible with kernel constraints"):
        constrained.enable_lora(2)
    embedding = layers.Embedding(4, 2, embeddings_constraint="non_neg")
    embedding.build()
    with pytest.raises(ValueError, match="remove the `embeddings_constraint`"):
        embedding.enable_lora(2)


def test_fit_trains_only_the_lora_weights():
    x, y = _rand((32, 4), 4), _rand((32, 3), 5)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu", lora_rank=2), layers.Dense(3)])
    frozen = model.layers[0].kernel.detach().clone()
    before_b = model.layers[0].lora_kernel_b.detach().clone()
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert torch.equal(model.layers[0].kernel, frozen)
    assert not torch.equal(model.layers[0].lora_kernel_b, before_b)


@pytest.mark.parametrize("mode", ["int8", "int4"])
def test_lora_on_a_quantized_dense_is_requantized_when_saved(mode):
    layer = _built("dense")
    layer.quantize(mode)
    layer.enable_lora(2)
    with torch.no_grad():
        layer.lora_kernel_b.copy_(torch.tensor(_rand((2, 5), 6)) * 0.1)
    x = _inputs("dense", (None, 4))
    store = {}
    layer.save_own_variables(store)
    assert store["0"].dtype == torch.int8
    clone = layers.Dense(5, dtype=layer.dtype_policy)
    clone.build((None, 4))
    clone.load_own_variables(store)
    np.testing.assert_allclose(clone(x).detach().numpy(), layer(x).detach().numpy(), atol=0.1 if mode == "int4"
                               else 0.03)


def test_float8_refuses_lora_at_call():
    layer = _built("dense", lora_rank=2)
    layer.quantize("float8")
    with pytest.raises(NotImplementedError, match="doesn't support LoRA"):
        layer(torch.ones(1, 4))
