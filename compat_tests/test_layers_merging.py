"""Merging layers: torchkeras beside real Keras 3 (torch backend): outputs, input gradients, masks, configs."""
import json

import numpy as np
import pytest

import keras  # noqa: E402  (conftest sets KERAS_BACKEND=torch first)
import torch

import torchkeras
from torchkeras import layers


def _json(config):
    """The config as JSON would store it, without the auto-generated name (uid counters differ per library)."""
    config = json.loads(json.dumps(config))
    config.pop("name", None)
    return config


def _run(layer, arrays, masks, seed, **kwargs):
    tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
    for t, m in zip(tensors, masks or [None] * len(arrays)):
        if m is not None:
            t._keras_mask = torch.tensor(m)
    out = layer(tensors, **kwargs)
    grad = np.random.RandomState(seed).randn(*out.shape).astype("float32")
    (out * torch.tensor(grad)).sum().backward()
    mask = getattr(out, "_keras_mask", None)
    return out.detach().numpy(), [t.grad.numpy() for t in tensors], None if mask is None else mask.numpy()


def _compare(name, kwargs, arrays, masks=None):
    k = getattr(keras.layers, name)(**kwargs)
    t = getattr(layers, name)(**kwargs)
    ko, kg, km = _run(k, arrays, masks, 1)
    to, tg, tm = _run(t, arrays, masks, 1)
    np.testing.assert_allclose(to, ko, atol=1e-6)
    for a, b in zip(tg, kg):
        np.testing.assert_allclose(a, b, atol=1e-6)
    assert (tm is None) == (km is None)
    if km is not None:
        np.testing.assert_array_equal(tm, km)
    assert _json(t.get_config()) == _json(k.get_config())


def _arrays(*shapes, seed=0):
    rng = np.random.RandomState(seed)
    return [rng.randn(*s).astype("float32") for s in shapes]


ELEMENTWISE = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("shapes", [[(3, 4)], [(3, 4, 5)], [(3, 5), (3, 4, 5)], [(3, 1, 5), (3, 4, 5)]])
def test_elementwise(name, shapes):
    shapes = shapes * 2 if len(shapes) == 1 else shapes
    if name != "Subtract" and len(shapes) == 2 and shapes[0] == shapes[1]:
        shapes = shapes + [shapes[0]]
    _compare(name, {}, _arrays(*shapes))


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("mask_pattern", ["all", "some"])
def test_elementwise_with_masks(name, mask_pattern):
    n = 2 if name == "Subtract" else 3
    rng = np.random.RandomState(2)
    masks = [rng.rand(3, 4) > 0.4 for _ in range(n)]
    if mask_pattern == "some":
        masks[1] = None
    _compare(name, {}, _arrays(*[(3, 4, 5)] * n), masks)


@pytest.mark.parametrize("axis,shapes", [(-1, [(3, 4, 5), (3, 4, 2)]), (1, [(3, 4, 5), (3, 2, 5)]),
                                         (2, [(2, 3, 4, 5), (2, 3, 1, 5), (2, 3, 2, 5)]), (1, [(3, 4), (3, 6)])])
def test_concatenate(axis, shapes):
    _compare("Concatenate", {"axis": axis}, _arrays(*shapes))


@pytest.mark.parametrize("axis", [-1, 1])
def test_concatenate_masks(axis):
    rng = np.random.RandomState(3)
    shapes = [(3, 4, 5), (3, 4, 2)] if axis == -1 else [(3, 4, 5), (3, 2, 5)]
    masks = [rng.rand(3, 4) > 0.5, None if axis == -1 else rng.rand(3, 2) > 0.5]
    _compare("Concatenate", {"axis": axis}, _arrays(*shapes), masks)
    _compare("Concatenate", {"axis": axis}, _arrays(*shapes), [masks[0], None])


@pytest.mark.parametrize("axes,shapes,normalize", [
    (-1, [(3, 5), (3, 5)], False),
    (1, [(3, 5), (3, 5)], True),
    ((2, 2), [(3, 4, 5), (3, 6, 5)], False),
    ((1, 2), [(3, 4, 5), (3, 6, 4)], True),
    ((2, 1), [(3, 4, 5), (3, 5)], False),
    ((1, 1), [(3, 4), (3, 4, 2, 3)], False),
    (2, [(2, 3, 4), (2, 5, 4)], True),
])
def test_dot(axes, shapes, normalize):
    _compare("Dot", {"axes": axes, "normalize": normalize}, _arrays(*shapes))


def test_functional_forms_build_the_same_graph():
    rng = np.random.RandomState(4)
    data = [rng.randn(2, 4).astype("float32") for _ in range(2)]

    def build(lib):
        a, b = lib.Input((4,)), lib.Input((4,))
        outs = [lib.layers.add([a, b]), lib.layers.subtract([a, b]), lib.layers.multiply([a, b]),
                lib.layers.average([a, b]), lib.layers.maximum([a, b]), lib.layers.minimum([a, b]),
                lib.layers.concatenate([a, b]), lib.layers.dot([a, b], axes=1)]
        return lib.Model([a, b], lib.layers.concatenate(outs))

    k, t = build(keras), build(torchkeras)
    np.testing.assert_allclose(t.predict(data, verbose=0), k.predict(data, verbose=0), atol=1e-6)


@pytest.mark.parametrize("name", ELEMENTWISE + ["Concatenate"])
def test_masks_in_a_functional_model(name):
    def build(lib):
        tokens = lib.Input((5,), dtype="int32")
        a = lib.layers.Embedding(10, 4, mask_zero=True)(tokens)
        b = lib.layers.Dense(4)(a)
        merged = getattr(lib.layers, name)()([a, b])
        return lib.Model(tokens, lib.layers.LSTM(3)(merged) if hasattr(lib.layers, "LSTM") else merged)

    k, t = build(keras), build(torchkeras)
    t.set_weights(k.get_weights())
    ids = np.array([[1, 2, 3, 0, 0], [4, 0, 0, 0, 0], [5, 6, 7, 8, 9]])
    np.testing.assert_allclose(t.predict(ids, verbose=0), k.predict(ids, verbose=0), atol=1e-5)
