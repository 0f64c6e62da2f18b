"""io_utils: print_msg (stdout or logging), the overwrite prompt, path_to_string."""
import builtins
import io
import logging
import pathlib
import sys
import types

import pytest

from torchkeras.utils import io_utils


class _Stream(io.StringIO):
    def __init__(self):
        super().__init__()
        self.flushes = 0

    def flush(self):
        self.flushes += 1


def test_print_msg_writes_and_flushes(monkeypatch):
    stream = _Stream()
    monkeypatch.setattr(sys, "stdout", stream)
    io_utils.print_msg("hello")
    io_utils.print_msg("\rno break", line_break=False)
    assert stream.getvalue() == "hello\n\rno break"
    assert stream.flushes == 2


def test_print_msg_converts_to_str(capsys):
    io_utils.print_msg(42)
    assert capsys.readouterr().out == "42\n"


def test_print_msg_falls_back_when_the_stream_cannot_encode(monkeypatch):
    raw = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(raw, encoding="ascii"))
    io_utils.print_msg("1/3 ━━━━ é done")
    assert raw.getvalue() == b"1/3 ====  done\n"  # bars become "=", what is left and cannot encode goes


def test_disabled_interactive_logging_goes_to_logging(capsys, caplog):
    from torchkeras import config

    config.disable_interactive_logging()
    try:
        with caplog.at_level(logging.INFO, logger="torchkeras"):
            io_utils.print_msg("to the log")
    finally:
        config.enable_interactive_logging()
    assert capsys.readouterr().out == ""
    assert [r.getMessage() for r in caplog.records] == ["to the log"]
    io_utils.print_msg("back to stdout")
    assert capsys.readouterr().out == "back to stdout\n"


@pytest.mark.parametrize(
    "module",
    [
        types.ModuleType("torchkeras.config"),  # a config package without the flag yet
        types.SimpleNamespace(is_interactive_logging_enabled=lambda: 1 / 0),  # a broken one
    ],
)
def test_the_flag_is_read_defensively(monkeypatch, capsys, module):
    monkeypatch.setitem(sys.modules, "torchkeras.config", module)
    assert io_utils.is_interactive_logging_enabled()
    io_utils.print_msg("still printed")
    assert capsys.readouterr().out == "still printed\n"


def _answers(monkeypatch, *answers):
    asked = []
    replies = iter(answers)

    def fake_input(prompt):
        asked.append(prompt)
        return next(replies)

    monkeypatch.setattr(builtins, "input", fake_input)
    return asked


def test_overwrite_prompt_yes(monkeypatch, capsys):
    asked = _answers(monkeypatch, "maybe", " Y ")
    assert io_utils.ask_to_proceed_with_overwrite("model.h5") is True
    assert asked == ["[WARNING] model.h5 already exists - overwrite? [y/n]", 'Enter "y" (overwrite) or "n" (cancel).']
    assert capsys.readouterr().out == "[TIP] Next time specify overwrite=True!\n"


def test_overwrite_prompt_no(monkeypatch, capsys):
    _answers(monkeypatch, "n")
    assert io_utils.ask_to_proceed_with_overwrite("w.weights.h5") is False
    assert capsys.readouterr().out == ""


def test_path_to_string():
    assert io_utils.path_to_string(pathlib.Path("a") / "b.keras") == "a/b.keras"
    assert io_utils.path_to_string("x.h5") == "x.h5"
    buffer = io.BytesIO()
    assert io_utils.path_to_string(buffer) is buffer
