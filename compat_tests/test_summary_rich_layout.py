"""The summary's table drawing against `rich` itself (Keras 3's renderer, installed with Keras).

Random tables of the kind Keras builds (fixed-width columns, `show_lines=True`, heavy-head box) with
random cell texts, widths and justifications: torchkeras must draw exactly what rich draws. Random lines
printed outside the table must wrap exactly like rich's `Console.print`.
"""
import random

import pytest
import keras  # noqa: F401  (conftest skips the module when Keras, and so rich, is missing)
import rich.console
import rich.markup
import rich.table

from torchkeras.utils import summary_utils as su

WORDS = ["a", "bb", "dense_1", "(None,", "3)", "x" * 15, "[(None, 2),", "└", "   └", "Connected", "0 (unbuilt)",
         "1,001,000", "ab-cd", "y" * 40, "日本語", "é", "名前の長いレイヤー"]


def _console(width):
    return rich.console.Console(highlight=False, force_terminal=False, color_system=None, width=width)


def _rich_table(headers, justify, requested, rows, width):
    columns = [rich.table.Column(h, justify=j, width=w) for h, j, w in zip(headers, justify, requested)]
    table = rich.table.Table(*columns, width=width, show_lines=True)
    for row in rows:
        table.add_row(*[rich.markup.escape(cell) for cell in row])
    console = _console(400)
    console.begin_capture()
    console.print(table)
    return console.end_capture()


def _text(rng, max_words):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, max_words)))


@pytest.mark.parametrize("seed", range(10))
def test_tables_match_rich(seed):
    rng = random.Random(seed)
    checked = 0
    while checked < 40:
        n = rng.choice([3, 4, 5])
        width = rng.randint(20, 130)
        positions = [p / 100 for p in sorted(rng.sample(range(1, 100), n - 1))] + [1.0]
        try:
            requested = su._requested_widths(positions, width)
        except ValueError:
            continue
        headers = [_text(rng, 3) or "h" for _ in range(n)]
        justify = [rng.choice(["left", "right", "center"]) for _ in range(n)]
        rows = [[_text(rng, 5) for _ in range(n)] for _ in range(rng.randint(0, 3))]
        ours = "\n".join(su._render_table(headers, justify, requested, rows, width, su._HEAVY_HEAD)) + "\n"
        assert ours == _rich_table(headers, justify, requested, rows, width)
        checked += 1


@pytest.mark.parametrize("seed", range(5))
def test_printed_lines_wrap_like_rich(seed):
    rng = random.Random(100 + seed)
    for _ in range(100):
        width = rng.randint(5, 90)
        text = " ".join(rng.choice(WORDS + [" ", "  "]) for _ in range(rng.randint(1, 25)))
        console = _console(width)
        console.begin_capture()
        console.print(rich.markup.escape(text))
        assert "\n".join(su._wrap(text, width)) + "\n" == console.end_capture()
