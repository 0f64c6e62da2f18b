"""LoRA beside real Keras 3 (torch backend): Dense, EinsumDense, Embedding, Conv1D/2D/3D with `lora_rank` or
`enable_lora` give the same variables (names, order, trainable split, dtypes), configs, outputs, gradients,
saved variables (the update merged into the weight, as Keras saves it; each side loads the other's) and
training steps."""
import json

import keras  # noqa: E402  (compat_tests/conftest.py skips the module when Keras is missing)
import numpy as np
import pytest
import torch

import torchkeras as tk


def _rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else keras.ops.convert_to_numpy(x)


CASES = {
    "dense": (lambda k, **kw: k.layers.Dense(6, **kw), (None, 8)),
    "einsum": (lambda k, **kw: k.layers.EinsumDense("abc,cde->abde", (None, 2, 3), bias_axes="de", **kw),
               (None, 4, 8)),
    "embedding": (lambda k, **kw: k.layers.Embedding(20, 6, **kw), None),
    "conv1d": (lambda k, **kw: k.layers.Conv1D(4, 3, **kw), (None, 9, 3)),
    "conv2d": (lambda k, **kw: k.layers.Conv2D(4, 3, padding="same", **kw), (None, 7, 7, 3)),
    "conv3d": (lambda k, **kw: k.layers.Conv3D(4, 2, **kw), (None, 4, 4, 4, 2)),
}


def _x(kind, shape, seed=1):
    if kind == "embedding":
        return np.random.default_rng(seed).integers(0, 20, (3, 5))
    return _rand((2,) + shape[1:], seed)


def _pair(kind, **kwargs):
    make, shape = CASES[kind]
    kl, tl = make(keras, **kwargs), make(tk, **kwargs)
    kl.build(shape), tl.build(shape)
    weights = [_rand(tuple(w.shape), i + 3) * 0.3 for i, w in enumerate(kl.weights)]
    kl.set_weights(weights), tl.set_weights(weights)
    return kl, tl


def _names(weights):
    return [(w.name, str(w.dtype).replace("torch.", ""), tuple(w.shape)) for w in weights]


def _store(layer):
    store = {}
    layer.save_own_variables(store)
    return {k: _np(v) for k, v in store.items()}


@pytest.mark.parametrize("kind", list(CASES))
@pytest.mark.parametrize("how", ["argument", "enable_lora"])
def test_lora_layer(kind, how):
    if how == "argument":
        # Dense and Embedding build with `enable_lora(lora_rank)`: Keras drops `lora_alpha` there (see below).
        kl, tl = _pair(kind, lora_rank=2)
    else:
        kl, tl = _pair(kind)
        kl.enable_lora(3, lora_alpha=6.0), tl.enable_lora(3, lora_alpha=6.0)
        weights = [_rand(tuple(w.shape), i + 20) * 0.3 for i, w in enumerate(kl.weights)]
        kl.set_weights(weights), tl.set_weights(weights)
    assert _names(tl.weights) == _names(kl.weights)
    assert _names(tl.trainable_weights) == _names(kl.trainable_weights)
    assert _names(tl.non_trainable_weights) == _names(kl.non_trainable_weights)
    config_k, config_t = json.loads(json.dumps(kl.get_config())), json.loads(json.dumps(tl.get_config()))
    config_k.pop("name"), config_t.pop("name")
    assert config_t == config_k
    shape = CASES[kind][1]
    x = _x(kind, shape)
    is_int = kind == "embedding"
    xk, xt = (torch.tensor(x) if is_int else torch.tensor(x, requires_grad=True) for _ in range(2))
    out_k, out_t = kl(xk), tl(xt)
    np.testing.assert_allclose(_np(out_t), _np(out_k), rtol=1e-5, atol=1e-5)
    r = torch.tensor(_rand(tuple(out_k.shape), 2))
    sources_k = ([] if is_int else [xk]) + [w.value for w in kl.trainable_weights]
    sources_t = ([] if is_int else [xt]) + list(tl.trainable_weights)
    for gk, gt in zip(torch.autograd.grad((out_k * r).sum(), sources_k),
                      torch.autograd.grad((out_t * r).sum(), sources_t)):
        np.testing.assert_allclose(_np(gt), _np(gk), rtol=1e-4, atol=1e-5)
    store_k, store_t = _store(kl), _store(tl)
    assert list(store_t) == list(store_k)
    for key in store_k:
        np.testing.assert_allclose(store_t[key], store_k[key], rtol=1e-5, atol=1e-6)
    # Each side loads the other's variables, into a LoRA layer (the update restarts at zero) and a plain one.
    for lora in (True, False):
        make = CASES[kind][0]
        k2, t2 = make(keras, **({"lora_rank": 2} if lora else {})), make(tk, **({"lora_rank": 2} if lora else {}))
        k2.build(shape), t2.build(shape)
        k2.load_own_variables(store_t), t2.load_own_variables(store_k)
        np.testing.assert_allclose(_np(t2(torch.tensor(x))), _np(k2(torch.tensor(x))), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(_np(t2(torch.tensor(x))), _np(out_k), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kind", ["dense", "conv2d"])
def test_fit_updates_the_same_lora_weights(kind):
    make, shape = CASES[kind]

    def model(k):
        layer = make(k, lora_rank=2)
        return k.Sequential([k.Input(shape[1:]), layer, k.layers.Flatten(), k.layers.Dense(2)])

    km, tm = model(keras), model(tk)
    weights = [_rand(tuple(w.shape), i + 5) * 0.3 for i, w in enumerate(km.weights)]
    km.set_weights(weights), tm.set_weights(weights)
    x, y = _rand((16,) + shape[1:], 6), _rand((16, 2), 7)
    km.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    tm.compile(optimizer=tk.optimizers.SGD(0.05), loss="mse")
    hk = km.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    ht = tm.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(ht.history["loss"], hk.history["loss"], rtol=1e-4)
    for a, b in zip(km.get_weights(), tm.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(tm.layers[0].kernel.detach().numpy(), weights[0])  # frozen


@pytest.mark.parametrize("kind", ["dense", "embedding"])
def test_lora_alpha_argument_is_kept_where_keras_build_drops_it(kind):
    """A documented deviation: Keras's Dense and Embedding `build` call `enable_lora(lora_rank)` without
    `lora_alpha`, so `lora_alpha=8` becomes `lora_rank` after build; torchkeras keeps the argument (as EinsumDense
    and the Conv layers do in Keras)."""
    make, shape = CASES[kind]
    kl, tl = make(keras, lora_rank=2, lora_alpha=8), make(tk, lora_rank=2, lora_alpha=8)
    assert kl.lora_alpha == tl.lora_alpha == 8
    kl.build(shape), tl.build(shape)
    assert kl.lora_alpha == 2 and tl.lora_alpha == 8


def test_lora_on_quantized_layers_saves_the_same_requantized_kernel():
    for mode in ("int8", "int4"):
        kl, tl = _pair("dense")
        kl.quantize(mode), tl.quantize(mode)
        kl.enable_lora(2), tl.enable_lora(2)
        b = _rand((2, 6), 8) * 0.2
        kl.lora_kernel_b.assign(b), tl.lora_kernel_b.data.copy_(torch.tensor(b))
        tl.lora_kernel_a.data.copy_(torch.tensor(_np(kl.lora_kernel_a)))
        x = _x("dense", (None, 8))
        np.testing.assert_allclose(_np(tl(torch.tensor(x))), _np(kl(torch.tensor(x))), rtol=1e-5, atol=1e-5)
        store_k, store_t = _store(kl), _store(tl)
        for key in store_k:
            assert store_t[key].dtype == store_k[key].dtype
            np.testing.assert_array_equal(store_t[key], store_k[key])
