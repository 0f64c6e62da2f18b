"""model.summary() text: torchkeras against real Keras 3, for the same models built with the same code.

Each case builds its model from a namespace `k` (real `keras` or `torchkeras`), and both summaries are
captured with `print_fn`. Layers that torchkeras does not have yet are replaced on its side by a stand-in
with the same class name, weights and output shapes (the summary reads nothing else).
"""
import pytest
import keras
import numpy as np
import torch

import torchkeras
from torchkeras.layers.layer import Layer as TkLayer


class _TkBatchNormalization(TkLayer):
    def build(self, input_shape):
        n = input_shape[-1]
        self.gamma = self.add_weight(shape=(n,), initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=(n,), initializer="zeros", name="beta")
        self.moving_mean = self.add_weight(shape=(n,), initializer="zeros", trainable=False, name="moving_mean")
        self.moving_variance = self.add_weight(shape=(n,), initializer="ones", trainable=False,
                                               name="moving_variance")

    def call(self, x):
        return x * self.gamma + self.beta


class _TkConcatenate(TkLayer):
    def call(self, inputs):
        return torch.cat(list(inputs), dim=-1)


_TkBatchNormalization.__name__ = "BatchNormalization"
_TkConcatenate.__name__ = "Concatenate"
_STAND_INS = {"BatchNormalization": _TkBatchNormalization, "Concatenate": _TkConcatenate}


def layer(k, name):
    """`k.layers.<name>`, or torchkeras's stand-in while torchkeras lacks that layer."""
    found = getattr(k.layers, name, None)
    return found if found is not None else _STAND_INS[name]


def split_layer(k):
    """A layer with two outputs, written against `k`'s Layer class."""

    class Split(k.layers.Layer):
        def call(self, x):
            return [x[:, :2], x[:, 2:]]

        def compute_output_shape(self, input_shape):
            return [(input_shape[0], 2), (input_shape[0], input_shape[1] - 2)]

    return Split


# --- the models ------------------------------------------------------------------------------------------
def seq(k):
    return k.Sequential([k.Input((4,)), k.layers.Dense(3, activation="relu", name="dense"),
                         layer(k, "BatchNormalization")(name="bn"),
                         k.layers.Dense(2, activation="softmax", name="out")], name="seq")


def two_in(k):
    a, b = k.Input((4,), name="a"), k.Input((3,), name="b")
    cat = layer(k, "Concatenate")(name="cat")([k.layers.Dense(5, name="da")(a), b])
    return k.Model([a, b], k.layers.Dense(1, name="o")(cat), name="two_in")


def renumbered(k):
    shared = k.layers.Dense(3, name="shared")
    a, b, c = k.Input((4,), name="a"), k.Input((4,), name="b"), k.Input((3,), name="c")
    shared(a)
    x = shared(b)
    return k.Model([b, c], layer(k, "Concatenate")(name="cat")([x, c]), name="renum")


def shared_twice(k):
    shared = k.layers.Dense(3, name="shared")
    a, b = k.Input((4,), name="a"), k.Input((4,), name="b")
    return k.Model([a, b], layer(k, "Concatenate")(name="cat")([shared(a), shared(b)]), name="sharedm")


def shared_second_call_only(k):
    shared = k.layers.Dense(3, name="shared")
    a, b = k.Input((4,), name="a"), k.Input((4,), name="b")
    shared(a)
    x = shared(b)
    return k.Model(b, k.layers.Dense(5, name="after")(x), name="second_only")


def multi_output(k):
    i = k.Input((5,), name="i")
    s1, s2 = split_layer(k)(name="split")(i)
    return k.Model(i, [k.layers.Dense(1, name="o1")(s1), k.layers.Dense(1, name="o2")(s2)], name="multi")


def with_op_and_dict_outputs(k):
    i = k.Input((4,), name="i")
    s = k.ops.add(k.layers.Dense(4, name="h")(i), i)
    return k.Model(i, {"x": s, "y": k.layers.Dense(2, name="yy", trainable=False)(s)}, name="opsm")


def nested(k, freeze_inner=False):
    inner = k.Sequential([k.layers.Dense(3, name="d_in"), layer(k, "BatchNormalization")(name="bn_in")],
                         name="inner")
    mid = k.Sequential([k.Input((4,)), inner, k.layers.Dense(2, name="d2")], name="mid")
    j = k.Input((4,), name="j")
    model = k.Model(j, k.layers.Dense(1, name="top")(mid(j)), name="outer")
    if freeze_inner:
        inner.trainable = False
    return model


def nested_functional(k):
    fi = k.Input((6,), name="finner_in")
    innerf = k.Model(fi, k.layers.Dense(2, name="d2")(k.layers.Dense(3, name="d1", trainable=False)(fi)),
                     name="innerf")
    inp = k.Input((6,), name="inp")
    return k.Model(inp, k.layers.Dense(1, name="head")(innerf(k.layers.Dense(6, name="pre")(inp))),
                   name="nested")


def long_names(k):
    i = k.Input((5,), name="input_with_a_really_long_name_that_will_wrap")
    z = k.layers.Dense(1000, name="a_dense_layer_with_an_extremely_long_name_for_testing_wrapping")(i)
    z = k.layers.Reshape((10, 10, 10), name="rs")(z)
    return k.Model(i, z, name="a very long model name " * 5)


def big(k):
    return k.Sequential([k.Input((1000,)), k.layers.Dense(1000, name="big")], name="big")


def unbuilt(k):
    return k.Sequential([k.layers.Dense(2, name="dense")], name="unbuilt")


def subclassed(k, call=False):
    class Net(k.Model):
        def __init__(self):
            super().__init__(name="sub")
            self.d1 = k.layers.Dense(3, name="d1")
            self.d2 = k.layers.Dense(2, name="d2")

        def call(self, x):
            return self.d2(self.d1(x))

    model = Net()
    if call:
        model(torch.zeros(2, 4))
    return model


CASES = {
    "seq": (seq, {}),
    "seq_absolute_positions": (seq, {"positions": [30, 60, 100]}),
    "seq_extra_position": (seq, {"positions": [0.3, 0.6, 1.0, 1.2]}),
    "seq_tiny_columns": (seq, {"line_length": 40, "positions": [0.1, 0.2, 1.0]}),
    "two_in": (two_in, {}),
    "renumbered": (renumbered, {}),
    "shared_twice": (shared_twice, {}),
    "shared_second_call_only": (shared_second_call_only, {}),
    "multi_output": (multi_output, {}),
    "multi_output_narrow": (multi_output, {"line_length": 50}),
    "multi_output_cropped": (multi_output, {"line_length": 120}),
    "multi_output_range": (multi_output, {"show_trainable": True, "layer_range": ["split", "o1"]}),
    "ops_and_dict_outputs": (with_op_and_dict_outputs, {"show_trainable": True}),
    "nested_expanded": (nested, {"expand_nested": True, "show_trainable": True}),
    "nested_frozen": (lambda k: nested(k, freeze_inner=True), {"expand_nested": True, "show_trainable": True}),
    "nested_positions": (nested, {"positions": [0.5, 0.7, 1.0]}),
    "nested_reversed_range": (nested, {"layer_range": ["top", "j"]}),
    "nested_functional": (nested_functional, {"expand_nested": True}),
    "long_names": (long_names, {}),
    "big": (big, {}),
    "unbuilt": (unbuilt, {}),
    "subclassed_unbuilt": (subclassed, {}),
    "subclassed_called": (lambda k: subclassed(k, call=True), {}),
}


def _capture(k, build, kwargs):
    k.backend.clear_session(free_memory=False)  # restart auto-naming (a full gc pass would cost ~0.5 s)
    calls = []
    build(k).summary(print_fn=calls.append, **kwargs)
    assert len(calls) == 1
    return calls[0]


@pytest.mark.parametrize("columns", ["80", "200"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_same_summary_as_keras(case, columns, monkeypatch):
    monkeypatch.setenv("COLUMNS", columns)
    build, kwargs = CASES[case]
    expected = _capture(keras, build, kwargs)
    got = _capture(torchkeras, build, kwargs)
    assert got == expected


def test_same_summary_after_compile_and_fit(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    x = np.random.RandomState(0).rand(8, 4).astype("float32")
    y = np.random.RandomState(1).randint(0, 2, size=(8,))
    texts = []
    for k in (keras, torchkeras):
        k.backend.clear_session(free_memory=False)
        model = seq(k)
        model.compile(optimizer=k.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        model.fit(x, y, batch_size=4, epochs=1, verbose=0)
        calls = []
        model.summary(print_fn=calls.append)
        texts.append(calls[0])
    assert " Optimizer params: " in texts[0]
    assert texts[1] == texts[0]


def test_same_errors_as_keras(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    for kwargs in ({"line_length": 10}, {"layer_range": ["nothing", "top"]}, {"layer_range": ["top"]}):
        messages = []
        for k in (keras, torchkeras):
            k.backend.clear_session(free_memory=False)
            with pytest.raises(ValueError) as info:
                nested(k).summary(print_fn=lambda s: None, **kwargs)
            messages.append(str(info.value))
        assert messages[1] == messages[0]
