"""Progbar: Keras 3's exact bytes (verbose 1 and 2), throttling, averaging, unknown targets, lazy tensors."""
import types

import pytest
import torch

from torchkeras.utils import progbar as progbar_module
from torchkeras.utils.progbar import Progbar

B, R = "\x1b[1m", "\x1b[0m"
GREEN, GREY = "\x1b[32m", "\x1b[37m"


class Clock:
    """A stand-in for the `time` module whose `time()` returns the times it is told, in order."""

    def __init__(self, *times):
        self.times = list(times)

    def time(self):
        return self.times.pop(0)


@pytest.fixture
def clock(monkeypatch):
    def install(*times):
        fake = Clock(*times)
        monkeypatch.setattr(progbar_module, "time", types.SimpleNamespace(time=fake.time))
        return fake

    return install


def bar(current, target, filled):
    digits = len(str(target))
    text = f"{B}{current:>{digits}}/{target}{R} "
    if filled:
        text += f"{GREEN}{'━' * filled}{R}"
    return text + f"{GREY}{'━' * (20 - filled)}{R}"


def test_verbose1_bytes(clock, capsys):
    # Times are binary fractions, so that every duration is exact.
    clock(1000.0, 1000.5, 1000.625, 1000.75)
    p = Progbar(3)
    p.update(1, [("loss", 1.0)])
    p.update(2, [("loss", 2.0)])
    p.update(3, [("loss", 3.0)])
    out = capsys.readouterr().out
    line1 = bar(1, 3, 6) + f" {B}1s{R} 500ms/step - loss: 1.0000"
    line2 = bar(2, 3, 13) + f" {B}0s{R} 125ms/step - loss: 1.5000"
    line3 = bar(3, 3, 20) + f" {B}1s{R} 125ms/step - loss: 3.0000"  # final update: the last value
    width = 53  # visible characters of each line
    expected = "\r" + line1 + "\b" * width + "\r" + line2 + "\b" * width + "\r" + line3 + "\n"
    assert out == expected


def test_verbose2_prints_one_line_at_the_end(clock, capsys):
    clock(10.0, 10.25, 10.5, 12.0)
    p = Progbar(3, verbose=2)
    p.update(1, [("acc", 0.5), ("neg", -1.0)])
    p.update(2, [("acc", 0.25), ("neg", -1.0)])
    assert capsys.readouterr().out == ""
    p.update(3, [("acc", 0.75), ("neg", -1.0)])
    # Elapsed 2s; per step (12.0 - 10.25) / 2; verbose=2 has no abs(), so negatives print as e-notation.
    assert capsys.readouterr().out == "3/3 - 2s - 875ms/step - acc: 0.7500 - neg: -1.0000e+00\n"


def test_throttled_updates_print_nothing(clock, capsys):
    clock(0.0, 0.5, 0.5 + 1 / 64, 0.5 + 2 / 64, 1.0)
    p = Progbar(10)
    p.update(1)
    first = capsys.readouterr().out
    assert first.startswith("\r") and "1/10" in first
    p.update(2)  # 1/64 s after the last print: below the 0.05 s interval
    p.update(3)
    assert capsys.readouterr().out == ""
    p.update(4)  # 0.5 s later: printed, erasing the previous line first
    out = capsys.readouterr().out
    assert out.startswith("\b" * p._prev_total_width + "\r") and " 4/10" in out


def test_interval_zero_prints_every_update(clock, capsys):
    clock(0.0, 0.5, 0.5, 0.5)
    p = Progbar(5, interval=0)
    p.update(1)
    p.update(2)
    p.update(3)
    assert capsys.readouterr().out.count("\r") == 3


def test_unknown_target(clock, capsys):
    clock(0.0, 0.25, 2.25, 4.25)
    p = Progbar(None)
    p.update(1, [("loss", 2.0)])
    p.update(2, [("loss", 4.0)])
    out = capsys.readouterr().out
    line1 = f"      1/Unknown {B}0s{R} 250ms/step - loss: 2.0000"
    line2 = f"      2/Unknown {B}2s{R} 2s/step - loss: 3.0000"
    assert out == "\r" + line1 + "\b" * 44 + "\r" + line2 + " " * 3  # padded over the longer line 1
    p.update(2, [("loss", 5.0)], finalize=True)
    assert capsys.readouterr().out == "\b" * 41 + f"\r      2/Unknown {B}4s{R} 4s/step - loss: 5.0000\n"


def test_averaging_is_weighted_by_steps(clock):
    clock(*[float(i) for i in range(10)])
    p = Progbar(10, verbose=0)
    p.update(2, [("a", 1.0)])
    p.update(5, [("a", 4.0)])  # covers 3 steps
    assert p._average("a") == pytest.approx((1.0 * 2 + 4.0 * 3) / 5)
    p.update(6, [("a", 1.0)], finalize=False)
    assert p._average("a") == pytest.approx((2 + 12 + 1) / 6)


def test_running_mean_and_final_quirk(clock, capsys):
    clock(*[float(i) for i in range(7)])
    p = Progbar(5, interval=0)
    shown = []
    for step in range(1, 6):
        p.update(step, [("v", float(step))])
        shown.append(capsys.readouterr().out.rsplit("v: ", 1)[1].strip())
    assert shown == ["1.0000", "1.5000", "2.0000", "2.5000", "5.0000"]


def test_stateful_metrics_are_shown_as_given(clock, capsys):
    clock(*[float(i) for i in range(5)])
    p = Progbar(4, stateful_metrics=["acc"], interval=0)
    p.update(1, [("acc", 0.25), ("loss", 1.0)])
    p.update(2, [("acc", 0.75), ("loss", 3.0)])
    out = capsys.readouterr().out.rsplit("\r", 1)[1]
    assert out.startswith(bar(2, 4, 10)) and out.endswith(" - acc: 0.7500 - loss: 2.0000")


def test_stateless_metrics_list(clock):
    clock(*[float(i) for i in range(5)])
    p = Progbar(4, verbose=0, stateless_metrics=["loss"])
    p.update(1, [("acc", 0.25), ("loss", 1.0)])
    p.update(2, [("acc", 0.75), ("loss", 3.0)])
    assert p._average("acc") == 0.75
    assert p._average("loss") == 2.0


def test_both_metric_lists_is_an_error():
    with pytest.raises(ValueError, match="Only one of `stateful_metrics` or `stateless_metrics`"):
        Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])


def test_add_advances_by_n(clock, capsys):
    clock(0.0, 1.0, 2.0)
    p = Progbar(4, interval=0)
    p.add(2, [("x", 1.0)])
    p.add(2)
    out = capsys.readouterr().out
    assert p._seen_so_far == 4 and out.endswith("\n") and f"{B}4/4{R}" in out


def test_number_formats(clock, capsys):
    clock(0.0, 1.0)
    p = Progbar(1, stateful_metrics=["big", "tiny", "zero", "neg"])
    p.update(1, [("big", 12345.678), ("tiny", 0.0005), ("zero", 0.0), ("neg", -0.5)])
    out = capsys.readouterr().out
    assert out.endswith(" - big: 12345.6780 - tiny: 5.0000e-04 - zero: 0.0000e+00 - neg: -0.5000\n")


@pytest.mark.parametrize(
    "step_seconds, expected",
    [(2.0, " 2s/step"), (0.25, " 250ms/step"), (0.0005, " 500us/step"), (0.0, " 0s/step")],
)
def test_time_per_step_formats(clock, capsys, step_seconds, expected):
    clock(0.0, step_seconds)
    Progbar(1, unit_name="step").update(1)
    assert capsys.readouterr().out.endswith(expected + "\n")


@pytest.mark.parametrize(
    "seconds_per_step, eta",
    [(0.5, "4s"), (30.0, "4:00"), (1000.0, "2:13:20")],
)
def test_eta_formats(clock, capsys, seconds_per_step, eta):
    clock(0.0, seconds_per_step)
    Progbar(9).update(1)
    assert f" {B}{eta}{R}" in capsys.readouterr().out


def test_unit_name_and_width(clock, capsys):
    clock(0.0, 2.0)
    Progbar(2, width=10, unit_name="sample").update(2)
    out = capsys.readouterr().out
    assert out == f"\r{B}2/2{R} {GREEN}{'━' * 10}{R}{GREY}{R} {B}2s{R} 1s/sample\n"


def test_without_dynamic_display_each_update_starts_a_line(clock, capsys):
    clock(0.0, 1.0, 2.0)
    p = Progbar(2)
    p._dynamic_display = False
    p.update(1)
    p.update(2)
    out = capsys.readouterr().out
    assert out.startswith("\n") and "\b" not in out and "\r" not in out and out.count("\n") == 3


def test_verbose0_prints_nothing(clock, capsys):
    clock(0.0, 1.0, 2.0)
    p = Progbar(2, verbose=0)
    p.update(1, [("a", 1.0)])
    p.update(2, [("a", 1.0)])
    assert capsys.readouterr().out == ""


def test_dict_values_are_accepted(clock, capsys):
    clock(0.0, 1.0)
    Progbar(1).update(1, {"loss": 0.5})
    assert capsys.readouterr().out.endswith(" - loss: 0.5000\n")


def test_throttled_tensor_values_are_never_read(clock, capsys):
    # A meta tensor has no data: reading it (float(), .item()) raises, arithmetic does not. So the
    # throttled updates below prove that nothing was read from the device.
    clock(0.0, 0.5, 0.5, 0.5)
    p = Progbar(10, stateful_metrics=["acc"])
    p.update(1, [("loss", 1.0), ("acc", 0.5)])
    capsys.readouterr()
    p.update(2, [("loss", torch.tensor(2.0, device="meta")), ("acc", torch.tensor(0.5, device="meta"))])
    p.update(3, [("loss", torch.tensor(3.0, device="meta")), ("acc", torch.tensor(0.5, device="meta"))])
    assert capsys.readouterr().out == ""
    assert isinstance(p._values["loss"][0], torch.Tensor)


def test_tensor_values_are_read_when_printed(clock, capsys, device):
    clock(0.0, 1.0, 1.5, 2.0, 3.0)
    p = Progbar(4, stateful_metrics=["acc"], interval=1.0)
    p.update(1, [("loss", torch.tensor(1.0, device=device)), ("acc", torch.tensor(0.25, device=device))])
    p.update(2, [("loss", torch.tensor(2.0, device=device)), ("acc", torch.tensor(0.5, device=device))])
    p.update(3, [("loss", torch.tensor(6.0, device=device)), ("acc", torch.tensor(0.75, device=device))])
    out = capsys.readouterr().out
    assert " - loss: 1.0000 - acc: 0.2500" in out
    assert "2/4" not in out  # throttled
    assert out.endswith(" - loss: 3.0000 - acc: 0.7500")
    p.update(4, [("loss", torch.tensor(4.0, device=device, requires_grad=True)),
                 ("acc", torch.tensor(1.0, device=device))])
    assert capsys.readouterr().out.endswith(" - loss: 4.0000 - acc: 1.0000\n")


def test_tensor_average_matches_float_average(clock):
    values = [0.1, 0.2, 0.7]
    clock(*[float(i) for i in range(8)])
    as_floats = Progbar(10, verbose=0)
    as_tensors = Progbar(10, verbose=0)
    for step, v in enumerate(values, start=1):
        as_floats.update(step, [("x", v)])
    for step, v in enumerate(values, start=1):
        as_tensors.update(step, [("x", torch.tensor(v, dtype=torch.float64))])
    assert as_tensors._average("x") == pytest.approx(as_floats._average("x"), rel=1e-15)


def test_shorter_line_is_padded_over_the_longer_one(clock, capsys):
    clock(0.0, 1.0, 2.0)
    p = Progbar(None, interval=0)
    p.update(1, [("a_long_metric_name", 1.0)])
    first_width = p._prev_total_width
    p.target = 2  # what ProgbarLogger does at the end of an unknown-length epoch
    p._values_order.clear()
    p.update(2)
    out = capsys.readouterr().out
    second = out.split("\r")[-1]
    visible = second.replace(B, "").replace(R, "").replace(GREEN, "").replace(GREY, "")
    assert len(visible.rstrip("\n")) == first_width and visible.endswith(" \n")
