"""model.summary(): the text Keras 3 prints, checked against the captured fixtures and row by row."""
import logging
import os
import types

import pytest
import torch

import torchkeras as keras
from torchkeras import layers
from torchkeras.layers.layer import Layer
from torchkeras.utils import io_utils

FIXTURES = "/work/shared/fixtures"


# --- local layers with the class names Keras prints (the summary only reads names, shapes and weights) ---
class BatchNormalization(Layer):
    """Stand-in with BatchNormalization's four weights: gamma, beta (trainable), moving mean and variance."""

    def build(self, input_shape):
        n = input_shape[-1]
        self.gamma = self.add_weight(shape=(n,), initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=(n,), initializer="zeros", name="beta")
        self.moving_mean = self.add_weight(shape=(n,), initializer="zeros", trainable=False, name="moving_mean")
        self.moving_variance = self.add_weight(shape=(n,), initializer="ones", trainable=False,
                                               name="moving_variance")

    def call(self, x):
        return x * self.gamma + self.beta


class Concatenate(Layer):
    def call(self, inputs):
        return torch.cat(list(inputs), dim=-1)


class Split(Layer):
    """Two outputs: the first 2 features and the rest."""

    def call(self, x):
        return [x[:, :2], x[:, 2:]]


class Flags(Layer):
    """A layer with a boolean weight (Keras counts one bit per element)."""

    def build(self, input_shape):
        self.flags = self.add_weight(shape=(16,), initializer="zeros", dtype="bool", trainable=False)

    def call(self, x):
        return x


@pytest.fixture(autouse=True)
def _terminal(monkeypatch):
    # The fixtures were captured with stdout not a terminal and COLUMNS unset: an 80-column console.
    monkeypatch.setenv("COLUMNS", "80")


def _fixture_blocks(name):
    """Each `Model: ...` block of a fixture file, footer included, as one string ending with a newline."""
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        lines = f.read().splitlines()
    blocks, current = [], None
    for line in lines:
        if line.startswith('Model: "'):
            current = [line]
            blocks.append(current)
        elif current is not None and line[:1] in ("┏", "┃", "┡", "│", "├", "└", " "):
            current.append(line)
        else:
            current = None
    return ["\n".join(b) + "\n" for b in blocks]


def _summary(model, **kwargs):
    calls = []
    model.summary(print_fn=calls.append, **kwargs)
    assert len(calls) == 1  # the whole table in one call
    return calls[0]


def _seq_model():
    return keras.Sequential(
        [keras.Input((4,)), layers.Dense(3, activation="relu", name="dense"), BatchNormalization(name="bn"),
         layers.Dense(2, activation="softmax", name="out")],
        name="seq",
    )


def _two_in_model():
    a = keras.Input((4,), name="a")
    b = keras.Input((3,), name="b")
    da = layers.Dense(5, name="da")(a)
    cat = Concatenate(name="cat")([da, b])
    return keras.Model([a, b], layers.Dense(1, name="o")(cat), name="two_in")


def _func_model():
    inp = keras.Input((6,), name="inp")
    x = layers.Dense(6, name="pre")(inp)
    inner = keras.Sequential([layers.Dense(5, name="inner_dense"), layers.Dense(3, name="inner_dense2")],
                             name="inner")
    x = inner(x)
    return keras.Model(inp, layers.Dense(1, name="head")(x), name="func")


# --- the captured Keras 3 output -------------------------------------------------------------------------
def test_fixture_seq():
    assert _summary(_seq_model()) == _fixture_blocks("summary_k3_seq_func.txt")[0]


def test_fixture_seq_with_optimizer_params():
    model = _seq_model()
    # Adam's state for 29 trainable scalars: two slots each, plus iterations and the learning rate.
    slots = [torch.zeros(tuple(v.shape)) for v in model.trainable_weights for _ in range(2)]
    model.optimizer = types.SimpleNamespace(built=True, variables=slots + [torch.zeros(()), torch.zeros(())])
    model.compiled = True
    assert _summary(model) == _fixture_blocks("summary_k3_seq_func.txt")[1]


def test_fixture_two_in():
    assert _summary(_two_in_model()) == _fixture_blocks("summary_k3_seq_func.txt")[2]


def test_fixture_unbuilt():
    model = keras.Sequential([layers.Dense(2)], name="unbuilt")
    assert _summary(model) == _fixture_blocks("summary_k3_seq_func.txt")[3]


def test_fixture_sequential_like_functional():
    x = keras.Input((4,), name="x")
    model = keras.Model(x, layers.Dense(2, name="d")(x), name="seqlike_func")
    assert _summary(model) == _fixture_blocks("summary_k3_more.txt")[0]


def test_fixture_nested():
    assert _summary(_func_model()) == _fixture_blocks("summary_k3_more.txt")[1]


def test_fixture_nested_expanded_with_trainable_column():
    text = _summary(_func_model(), expand_nested=True, show_trainable=True)
    assert text == _fixture_blocks("summary_k3_more.txt")[2]


def test_fixture_big():
    model = keras.Sequential([keras.Input((1000,)), layers.Dense(1000, name="big")], name="big")
    assert _summary(model) == _fixture_blocks("summary_k3_more.txt")[3]


# --- printing --------------------------------------------------------------------------------------------
def test_prints_to_stdout_without_print_fn(capsys):
    model = _two_in_model()
    model.summary()
    assert capsys.readouterr().out == _fixture_blocks("summary_k3_seq_func.txt")[2]


def test_logs_when_interactive_logging_is_disabled(capsys, caplog):
    from torchkeras import config

    config.disable_interactive_logging()
    try:
        with caplog.at_level(logging.INFO, logger="torchkeras"):
            _seq_model().summary()
    finally:
        config.enable_interactive_logging()
    assert capsys.readouterr().out == ""
    assert caplog.records[-1].getMessage() == _fixture_blocks("summary_k3_seq_func.txt")[0]


def test_print_msg_as_print_fn_gets_no_extra_line_break(capsys):
    _seq_model().summary(print_fn=io_utils.print_msg)
    assert capsys.readouterr().out == _fixture_blocks("summary_k3_seq_func.txt")[0]


def test_width_follows_the_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    lines = _summary(_seq_model()).splitlines()
    assert len(lines[1]) == 88  # the default, reached once the terminal is wide enough
    monkeypatch.setenv("COLUMNS", "60")
    assert len(_summary(_seq_model()).splitlines()[1]) == 56


def test_line_length_wider_than_the_console_is_cropped():
    lines = _summary(_seq_model(), line_length=120).splitlines()
    assert max(len(line) for line in lines) == 80
    assert lines[1].startswith("┏━") and not lines[1].endswith("┓")


def test_long_model_name_wraps_at_the_console_width():
    x = keras.Input((4,), name="x")
    model = keras.Model(x, layers.Dense(2, name="d")(x), name="a_long_model_name_" * 5)
    title = _summary(model).splitlines()[:3]
    # Like rich: the quoted name does not fit after "Model: ", so it starts a new line, then is folded.
    assert title == ["Model: ", '"' + "a_long_model_name_" * 4 + "a_long_", 'model_name_"']


# --- rows ------------------------------------------------------------------------------------------------
def _rows(text):
    """Table body rows as lists of stripped cell texts (continuation lines included as their own rows)."""
    return [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines() if line.startswith("│")]


@pytest.fixture
def wide(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")


def test_shared_layer_connections_use_keras_node_indices(wide):
    shared = layers.Dense(3, name="shared")
    a, b, c = keras.Input((4,), name="a"), keras.Input((4,), name="b"), keras.Input((3,), name="c")
    shared(a)  # node 0, not part of the model below
    x = shared(b)  # node 1
    model = keras.Model([b, c], Concatenate(name="cat")([x, c]), name="renum")
    rows = _rows(_summary(model))
    assert ["shared (Dense)", "(None, 3)", "15", "b[0][0]"] in rows
    assert ["cat (Concatenate)", "(None, 6)", "0", "shared[1][0], c[0][0]"] in rows


def test_shared_layer_makes_the_model_non_sequential(wide):
    shared = layers.Dense(3, name="shared")
    a = keras.Input((4,), name="a")
    model = keras.Model(a, shared(shared(layers.Dense(3, name="first")(a))), name="twice")
    text = _summary(model)
    assert "Connected to" in text
    assert ["shared (Dense)", "(None, 3)", "12", "first[0][0], shared[0][0]"] in _rows(text)


def test_multiple_outputs_print_as_a_list(wide):
    i = keras.Input((5,), name="i")
    s1, s2 = Split(name="split")(i)
    model = keras.Model(i, [layers.Dense(1, name="o1")(s1), layers.Dense(1, name="o2")(s2)], name="multi")
    rows = _rows(_summary(model))
    assert ["split (Split)", "[(None, 2), (None, 3)]", "0", "i[0][0]"] in rows
    assert ["o2 (Dense)", "(None, 1)", "4", "split[0][1]"] in rows


def test_trainable_column_and_footer_for_frozen_layers():
    x = keras.Input((4,), name="x")
    frozen = layers.Dense(3, name="frozen")
    frozen.trainable = False
    model = keras.Model(x, layers.Dense(2, name="top")(frozen(x)), name="m")
    text = _summary(model, show_trainable=True)
    rows = _rows(text)
    assert rows[0][-1] == "-" and rows[1][-1] == "N" and rows[2][-1] == "Y"
    assert " Trainable params: 8 (32.00 B)\n" in text and " Non-trainable params: 15 (60.00 B)\n" in text


def test_layer_range_selects_rows():
    text = _summary(_func_model(), layer_range=["pre", "inner"])
    assert [r[0] for r in _rows(text)] == ["pre (Dense)", "inner (Sequential)"]
    assert " Total params: 99 (396.00 B)\n" in text  # the footer still counts the whole model


def test_subclassed_model_lists_its_layers():
    class Net(keras.Model):
        def __init__(self):
            super().__init__(name="net")
            self.d1 = layers.Dense(3, name="d1")
            self.d2 = layers.Dense(2, name="d2")

        def call(self, x):
            return self.d2(self.d1(x))

    model = Net()
    rows = _rows(_summary(model))
    assert rows == [["d1 (Dense)", "?", "0 (unbuilt)"], ["d2 (Dense)", "?", "0 (unbuilt)"]]
    model(torch.zeros(2, 4))
    # Called on data, no graph: like Keras, shapes come from compute_output_shape() of the build shapes.
    assert _rows(_summary(model)) == [["d1 (Dense)", "(2, 3)", "15"], ["d2 (Dense)", "(2, 2)", "8"]]


def test_boolean_weights_count_one_bit():
    x = keras.Input((4,), name="x")
    model = keras.Model(x, Flags(name="flags")(x), name="bits")
    assert " Non-trainable params: 16 (2.00 B)\n" in _summary(model)


def test_weights_on_any_device(device):
    model = _seq_model()
    assert all(v.device.type == torch.device(device).type for v in model.weights)
    assert _summary(model) == _fixture_blocks("summary_k3_seq_func.txt")[0]


def test_positions_must_cover_every_column():
    with pytest.raises(ValueError, match="one position per column"):
        _summary(_seq_model(), positions=[0.5, 1.0])


def test_insufficient_width_error():
    with pytest.raises(ValueError, match="Insufficient console width to print summary."):
        _summary(_seq_model(), line_length=10)
