import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


class Linear(layers.Layer):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal", name="kernel")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, inputs):
        return inputs @ self.w + self.b


def test_layer_is_module_and_builds_lazily():
    layer = Linear(3)
    assert isinstance(layer, torch.nn.Module)
    assert not layer.built and layer.weights == []
    out = layer(np.ones((2, 5), dtype="float32"))
    assert layer.built and tuple(out.shape) == (2, 3)
    assert [tuple(w.shape) for w in layer.weights] == [(5, 3), (3,)]
    # one state_dict entry per weight, keyed by the attribute name
    assert list(layer.state_dict()) == ["w", "b"]
    assert len(list(layer.parameters())) == 2


def test_auto_naming_and_paths():
    a, b = layers.Dense(2), layers.Dense(2)
    assert (a.name, b.name) == ("dense", "dense_1")
    a.build((None, 3))
    assert [w.path for w in a.weights] == ["dense/kernel", "dense/bias"]
    keras.backend.clear_session()
    assert layers.Dense(1).name == "dense"


def test_invalid_name():
    with pytest.raises(ValueError, match="cannot contain character `/`"):
        layers.Dense(2, name="a/b")


def test_unknown_kwarg():
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to Dense"):
        layers.Dense(2, foo=1)


def test_trainable_freezing():
    layer = layers.Dense(2)
    layer.build((None, 3))
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    assert not any(p.requires_grad for p in layer.parameters())
    layer.trainable = True
    assert len(layer.trainable_weights) == 2 and all(p.requires_grad for p in layer.parameters())


def test_get_set_weights_all_or_nothing():
    layer = layers.Dense(2)
    layer.build((None, 3))
    before = layer.get_weights()
    with pytest.raises(ValueError, match="weight shape"):
        layer.set_weights([np.ones((3, 2)), np.ones((5,))])
    for w0, w1 in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(w0, w1)
    with pytest.raises(ValueError, match="expecting 2 weights"):
        layer.set_weights([np.ones((3, 2))])
    layer.set_weights([np.ones((3, 2)), np.full((2,), 3.0)])
    np.testing.assert_array_equal(layer.get_weights()[1], [3.0, 3.0])


def test_count_params_unbuilt():
    with pytest.raises(ValueError, match="isn't built"):
        layers.Dense(2).count_params()


def test_tracked_list_of_layers():
    class Block(layers.Layer):
        def __init__(self):
            super().__init__()
            self.blocks = []
            for _ in range(3):
                self.blocks.append(layers.Dense(4))

        def call(self, x):
            for b in self.blocks:
                x = b(x)
            return x

    block = Block()
    block(np.ones((2, 4), dtype="float32"))
    assert len(block.weights) == 6
    assert list(block.state_dict())[0] == "blocks.0.kernel"
    assert isinstance(block.blocks, list)


def test_tracked_dict_of_layers_accepts_item_assignment():
    class Heads(layers.Layer):
        def __init__(self):
            super().__init__()
            self.heads = {}
            self.heads["a"] = layers.Dense(2)
            self.heads["b"] = layers.Dense(3)

        def call(self, x):
            return [self.heads[k](x) for k in sorted(self.heads)]

    model = Heads()
    out = model(np.ones((2, 4), dtype="float32"))
    assert [tuple(o.shape) for o in out] == [(2, 2), (2, 3)]
    assert len(model.weights) == 4 and isinstance(model.heads, dict)
    del model.heads["b"]
    assert len(model.weights) == 2


def test_add_loss_and_activity_regularizer():
    layer = layers.Dense(2, activity_regularizer=keras.regularizers.L2(0.5), kernel_initializer="ones")
    out = layer(np.ones((4, 3), dtype="float32"))
    assert len(layer.losses) == 1
    expected = 0.5 * float((out.detach() ** 2).sum()) / 4
    np.testing.assert_allclose(float(layer.losses[0]), expected, rtol=1e-6)


def test_kernel_regularizer_loss():
    layer = layers.Dense(2, kernel_regularizer="l2", kernel_initializer="ones")
    layer.build((None, 3))
    np.testing.assert_allclose(float(layer.losses[0]), 0.01 * 6, rtol=1e-6)


def test_keras2_add_weight_order():
    class L(layers.Layer):
        def build(self, input_shape):
            self.k = self.add_weight("kernel", (input_shape[-1], 2), initializer="ones")

        def call(self, x):
            return x @ self.k

    layer = L()
    layer(np.ones((1, 3), dtype="float32"))
    assert layer.k.name == "kernel" and tuple(layer.k.shape) == (3, 2)


def test_custom_layer_auto_config_and_from_config():
    layer = Linear(7, name="lin")
    config = layer.get_config()
    assert config["units"] == 7 and config["name"] == "lin"
    clone = Linear.from_config(config)
    assert clone.units == 7 and clone.name == "lin"


def test_input_spec_error():
    layer = layers.Dense(2)
    layer(np.ones((1, 4), dtype="float32"))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        layer(np.ones((1, 5), dtype="float32"))


def test_training_flag_reaches_nested_layers():
    seen = []

    class Probe(layers.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    class Outer(layers.Layer):
        def __init__(self):
            super().__init__()
            self.probe = Probe()

        def call(self, x):
            return self.probe(x)

    Outer()(np.ones((1, 2), dtype="float32"), training=True)
    assert seen == [True]


def test_variable_surface(device):
    v = keras.Variable(np.ones((2, 2)), name="v")
    assert v.name == "v" and v.trainable and tuple(v.shape) == (2, 2)
    v.assign(np.zeros((2, 2)))
    v.assign_add(np.ones((2, 2)))
    np.testing.assert_array_equal(v.numpy(), np.ones((2, 2)))
    assert v.value is v
    assert v.device.type == device
