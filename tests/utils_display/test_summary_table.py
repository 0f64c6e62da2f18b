"""The summary's text machinery alone: column widths, wrapping, borders, memory sizes, layer ranges."""
import io
import sys
import types

import pytest
import torch

from torchkeras.utils import summary_utils as su

FIXTURE_SEQ_TABLE = """\
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ (None, 3)              │            15 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ bn (BatchNormalization)         │ (None, 3)              │            12 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ out (Dense)                     │ (None, 2)              │             8 │
└─────────────────────────────────┴────────────────────────┴───────────────┘"""

HEADERS3 = ["Layer (type)", "Output Shape", "Param #"]
JUSTIFY3 = ["left", "left", "right"]


@pytest.mark.parametrize(
    "positions, width, expected",
    [
        ([0.45, 0.80, 1.0], 76, [33, 24, 15]),
        ([0.45, 0.80, 1.0], 88, [38, 29, 17]),
        ([0.3, 0.56, 0.74, 1.0], 76, [21, 19, 12, 19]),
        ([0.3, 0.56, 0.74, 1.0], 108, [31, 27, 17, 28]),
        ([0.45 * 0.9, 0.80 * 0.9, 1.0 * 0.9, 1.0], 76, [29, 23, 12, 7]),
    ],
)
def test_column_widths_match_keras(positions, width, expected):
    # The widths between the borders (content plus padding) that Keras 3 prints (keras_formats.md 7.1).
    assert su._column_widths(su._requested_widths(positions, width), width) == expected


def test_table_of_the_seq_fixture():
    rows = [["dense (Dense)", "(None, 3)", "15"], ["bn (BatchNormalization)", "(None, 3)", "12"],
            ["out (Dense)", "(None, 2)", "8"]]
    requested = su._requested_widths([0.45, 0.80, 1.0], 76)
    lines = su._render_table(HEADERS3, JUSTIFY3, requested, rows, 76, su._HEAVY_HEAD)
    assert "\n".join(lines) == FIXTURE_SEQ_TABLE


def test_empty_table_has_header_and_bottom_only():
    requested = su._requested_widths([0.45, 0.80, 1.0], 76)
    lines = su._render_table(HEADERS3, JUSTIFY3, requested, [], 76, su._HEAVY_HEAD)
    assert lines == FIXTURE_SEQ_TABLE.splitlines()[:3] + [FIXTURE_SEQ_TABLE.splitlines()[-1]]


def test_headers_sit_at_the_bottom_and_cells_at_the_top():
    requested = su._requested_widths([0.5, 0.7, 1.0], 40)
    lines = su._render_table(HEADERS3, JUSTIFY3, requested, [["a_long_layer_name (Dense)", "(None, 2)", "3"]],
                             40, su._HEAVY_HEAD)
    assert lines == [
        "┏━━━━━━━━━━━━━━━━━━━┳━━━━━━┳━━━━━━━━━━━┓",
        "┃                   ┃ Out… ┃           ┃",
        "┃ Layer (type)      ┃ Sha… ┃   Param # ┃",
        "┡━━━━━━━━━━━━━━━━━━━╇━━━━━━╇━━━━━━━━━━━┩",
        "│ a_long_layer_name │ (No… │         3 │",
        "│ (Dense)           │ 2)   │           │",
        "└───────────────────┴──────┴───────────┘",
    ]


def test_ascii_box():
    requested = su._requested_widths([0.5, 0.75, 1.0], 24)
    lines = su._render_table(["A", "B", "C"], JUSTIFY3, requested, [["a", "b", "1"], ["c", "d", "2"]], 24, su._ASCII)
    assert lines == [
        "+----------------------+",
        "| A         | B  |   C |",
        "|-----------+----+-----|",
        "| a         | b  |   1 |",
        "|-----------+----+-----|",
        "| c         | d  |   2 |",
        "+----------------------+",
    ]


@pytest.mark.parametrize(
    "text, width, justify, overflow, expected",
    [
        ("Trainable", 5, "center", "ellipsis", ["Trai…"]),
        ("Y", 5, "center", "ellipsis", ["  Y  "]),
        ("1,001,000", 12, "right", "ellipsis", ["   1,001,000"]),
        ("       └ bn_in (BatchNormalization)", 27, "left", "ellipsis",
         ["       └ bn_in             ", "(BatchNormalization)       "]),
        ("split[0][0]", 10, "left", "ellipsis", ["split[0][…"]),
        ("shared[0][0], shared[1][0]", 17, "left", "ellipsis", ["shared[0][0],    ", "shared[1][0]     "]),
        ("", 4, "left", "ellipsis", ["    "]),
        ('Model: "abc def"', 10, "default", "fold", ['Model: ', '"abc def"']),
        ("abcdefghijkl", 5, "default", "fold", ["abcde", "fghij", "kl"]),
    ],
)
def test_wrap(text, width, justify, overflow, expected):
    assert su._wrap(text, width, justify, overflow) == expected


def test_wide_characters_take_two_cells():
    assert su._cell_len("日本") == 4
    assert su._set_cell_size("日本語", 5) == "日本 "
    # Like rich: the space after a word counts when it fits, so "日本語 " (7 cells) is cut with an ellipsis.
    assert su._wrap("日本語 x", 6, "left", "ellipsis") == ["日本 …", "x     "]
    assert su._wrap("日本語 x", 7, "left", "ellipsis") == ["日本語 ", "x      "]


@pytest.mark.parametrize(
    "size, expected",
    [(0, "0.00 B"), (140, "140.00 B"), (1023, "1023.00 B"), (1024, "1.00 KB"), (1001000 * 4, "3.82 MB"),
     (3 * 1024 ** 3, "3.00 GB"), (5 * 1024 ** 5, "5.00 PB"),
     (5 * 1024 ** 6, "5.00 PB")],  # Keras divides once more past PB
)
def test_readable_memory_size(size, expected):
    assert su.readable_memory_size(size) == expected


def test_weight_memory_size_counts_distinct_weights_and_dtypes():
    a = torch.nn.Parameter(torch.zeros(3, 5))
    b = torch.zeros(8, dtype=torch.float16)
    flags = torch.zeros(16, dtype=torch.bool)
    assert su.weight_memory_size([a, a, b]) == 15 * 4 + 8 * 2
    assert su.weight_memory_size([flags]) == 2  # one bit each, like Keras


def _named(*names):
    return [types.SimpleNamespace(name=n) for n in names]


def test_layer_range():
    layers = _named("input", "dense", "dense_1", "bn", "out")
    assert su._layer_index_range(layers, None) == (0, 5)
    assert su._layer_index_range(layers, ["dense", "bn"]) == (1, 4)
    assert su._layer_index_range(layers, ["dense_1", "dense_1"]) == (2, 3)
    assert su._layer_index_range(layers, ["out", "input"]) == (0, 5)  # reversed: Keras takes the span
    with pytest.raises(ValueError, match="layer_range must be a list or tuple of length 2"):
        su._layer_index_range(layers, ["dense"])
    with pytest.raises(ValueError, match="layer_range should contain string type only"):
        su._layer_index_range(layers, ["dense", 3])
    with pytest.raises(ValueError, match="Passed layer_names do not match the layer names in the model"):
        su._layer_index_range(layers, ["nothing", "out"])


def test_insufficient_width():
    with pytest.raises(ValueError, match="Insufficient console width to print summary."):
        su._requested_widths([0.45, 0.80, 1.0], 10)


def test_console_width_follows_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "123")
    assert su._console_width() == 123


def test_ascii_only_for_non_utf_streams(monkeypatch):
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="latin-1"))
    assert su._ascii_only()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="utf-8"))
    assert not su._ascii_only()


def test_shapes_text():
    assert su._shapes_text((None, 3)) == "(None, 3)"
    assert su._shapes_text((None,)) == "(None)"  # Keras joins the dimensions, no trailing comma
    assert su._shapes_text([(None, 2), (None, 3)]) == "[(None, 2), (None, 3)]"
    assert su._shapes_text({"a": (None, 2), "b": (None, 1)}) == "{a: (None, 2), b: (None, 1)}"
