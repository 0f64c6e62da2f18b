"""Into a pipe or a file, the progress bar prints each finished bar once, as plain text."""
import io
import sys

from torchkeras.utils.progbar import Progbar


def test_plain_output_when_not_a_terminal(monkeypatch):
    monkeypatch.delenv("TORCHKERAS_PROGBAR", raising=False)
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    bar = Progbar(target=3)
    for i in range(1, 4):
        bar.update(i, [("loss", 0.5)])
    text = out.getvalue()
    assert "\b" not in text and "\r" not in text and "\x1b" not in text
    assert text.count("\n") == 1
    assert text.startswith("3/3 ━━━━━━━━━━━━━━━━━━━━ ") and text.rstrip().endswith("- loss: 0.5000")


def test_keras_bytes_on_request(monkeypatch):
    monkeypatch.setenv("TORCHKERAS_PROGBAR", "keras")
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    bar = Progbar(target=2)
    bar.update(1)
    bar.update(2)
    assert "\r" in out.getvalue() and "\x1b[1m" in out.getvalue()
