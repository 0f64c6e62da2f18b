"""`keras.utils.Progbar`: the text progress bar printed by `fit`, `evaluate` and `predict`.

The output is Keras 3's, byte for byte: a dynamic line redrawn with `\\b`/`\\r`, ANSI colours and a `━` bar
(verbose=1), or one plain line at the end (verbose=2).

torchkeras extension: a value may be a torch tensor (0-dim, on any device). It is kept as a tensor and
converted to a Python number only when a line is actually printed, so a throttled update never waits for
the device.
"""
import math
import os
import sys
import time

import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.utils import io_utils

_BOLD = "\x1b[1m"
_GREEN = "\x1b[32m"
_GREY = "\x1b[37m"
_RESET = "\x1b[0m"
_BAR_CHAR = "━"


@keras_export("keras.utils.Progbar")
class Progbar:
    """Displays a progress bar.

    If neither `stateful_metrics` nor `stateless_metrics` is given, every metric is stateless: the bar
    shows its average over the steps seen so far.

    Args:
        target: Total number of steps expected, None if unknown.
        width: Progress bar width on screen.
        verbose: Verbosity mode, 0 (silent), 1 (verbose), 2 (semi-verbose).
        interval: Minimum visual progress update interval (in seconds).
        stateful_metrics: Iterable of names of metrics that should *not* be averaged over time: they are
            displayed as given. If provided, do not provide `stateless_metrics`.
        stateless_metrics: Iterable of names of metrics that *should* be averaged over time; every other
            metric is displayed as given. If provided, do not provide `stateful_metrics`.
        unit_name: Display name for step counts (usually "step" or "sample").
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 stateless_metrics=None, unit_name="step"):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Only one of `stateful_metrics` or `stateless_metrics` can be provided. `stateful_metrics` "
                "is used to make metrics stateless by default (with an exclusion list), while "
                "`stateless_metrics` is used to make metrics stateful by default (with an exclusion list)."
            )
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        if stateless_metrics is not None:
            self.stateful_metrics = None
            self.stateless_metrics = set(stateless_metrics)
        else:
            self.stateful_metrics = set(stateful_metrics) if stateful_metrics is not None else set()
            self.stateless_metrics = None
        # Like Keras: redraw in place on a terminal, in a notebook, on any POSIX system and in PyCharm.
        self._dynamic_display = (
            (hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
            or "ipykernel" in sys.modules
            or "posix" in sys.modules
            or "PYCHARM_HOSTED" in os.environ
        )
        # Not a terminal, notebook or IDE console (a pipe, a log file, CI): redrawing with `\b`/`\r` and
        # colour codes would fill the log with control characters, so print each bar once, when it is
        # complete, as plain text. TORCHKERAS_PROGBAR=keras restores Keras's exact bytes everywhere.
        self._plain = not (
            (hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
            or "ipykernel" in sys.modules
            or "PYCHARM_HOSTED" in os.environ
        ) and os.environ.get("TORCHKERAS_PROGBAR", "").lower() != "keras"
        self._seen_so_far = 0
        self._values = {}  # name -> [weighted sum, weight]
        self._values_order = []
        self._start = time.time()
        self._last_update = 0
        self._time_at_epoch_start = self._start
        self._time_after_first_step = None
        self._prev_total_width = 0

    # --- public API -------------------------------------------------------------------------------------
    def update(self, current, values=None, finalize=None):
        """Update the progress bar.

        Args:
            current: Index of the current step.
            values: List of tuples `(name, value_for_last_step)`. A stateful metric is displayed as given;
                any other is averaged over the steps seen so far.
            finalize: Whether this is the last update for the progress bar. Defaults to
                `current >= self.target` (never final when the target is unknown).
        """
        if finalize is None:
            finalize = False if self.target is None else current >= self.target
        self._record(current, values, finalize)
        self._seen_so_far = current

        now = time.time()
        time_per_unit = self._step_duration(current, now)
        if self.verbose == 1 and self._plain:
            if finalize:
                self._print_plain_line(current, now, time_per_unit)
        elif self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return  # throttled: nothing is formatted, no tensor is read
            self._print_dynamic_line(current, now, time_per_unit, finalize)
        elif self.verbose == 2:
            if finalize and self._known_target():
                self._print_final_line(current, now, time_per_unit)
        self._last_update = now

    def add(self, n, values=None):
        """Advance the bar by `n` steps."""
        self.update(self._seen_so_far + n, values)

    # --- metric bookkeeping -----------------------------------------------------------------------------
    def _is_stateless(self, name):
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def _record(self, current, values, finalize):
        if values is None:
            values = []
        elif isinstance(values, dict):
            values = values.items()
        for name, value in values:
            if name not in self._values_order:
                self._values_order.append(name)
            if isinstance(value, torch.Tensor):
                value = value.detach()
            if not self._is_stateless(name) or finalize:
                # Shown as given. Keras quirk: the final update of a stateless metric also shows the last
                # value rather than the average.
                self._values[name] = [value, 1]
                continue
            # Weight by the number of steps this update covers (at least 1, so that a repeated final
            # update of an unknown-length epoch does not zero the average).
            weight = max(current - self._seen_so_far, 1)
            entry = self._values.get(name)
            if entry is None:
                self._values[name] = [value * weight, weight]
            else:
                entry[0] = entry[0] + value * weight
                entry[1] += weight

    def _average(self, name):
        total, count = self._values[name]
        count = max(1, count)
        if isinstance(total, torch.Tensor):
            if not total.is_floating_point():
                total = total.double()
            if total.numel() != 1:
                total = total.mean()
            return float(total.reshape(()) / count)  # the one host read, only for a printed line
        if not isinstance(total, float):
            total = np.mean(total)
        return total / count

    # --- timing -----------------------------------------------------------------------------------------
    def _step_duration(self, current, now):
        """Seconds per step; after the first step, the (unrepresentative) first step is left out."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            per_step = (now - self._time_after_first_step) / (current - 1)
        else:
            per_step = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_step

    def _format_time(self, seconds):
        if seconds >= 1 or seconds == 0:
            return f" {seconds:.0f}s/{self.unit_name}"
        if seconds >= 1e-3:
            return f" {seconds * 1000.0:.0f}ms/{self.unit_name}"
        return f" {seconds * 1000000.0:.0f}us/{self.unit_name}"

    @staticmethod
    def _format_eta(eta):
        if eta > 3600:
            return "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
        if eta > 60:
            return "%d:%02d" % (eta // 60, eta % 60)
        return "%ds" % eta

    # --- rendering --------------------------------------------------------------------------------------
    def _known_target(self):
        return self.target is not None and self.target > 0

    def _count(self, current):
        digits = int(math.log10(self.target)) + 1
        return f"%{digits}d/%d" % (current, self.target)

    def _print_plain_line(self, current, now, time_per_unit):
        """The finished bar as one plain line: Keras's text without control characters or colours."""
        bar, info, _ = self._line_parts(current, now, time_per_unit, True, colour=False)
        io_utils.print_msg((bar + info).rstrip(), line_break=True)

    def _line_parts(self, current, now, time_per_unit, finalize, colour=True):
        """(bar, info, invisible width of the colour codes) of a verbose=1 line."""
        bold, reset, green, grey = (_BOLD, _RESET, _GREEN, _GREY) if colour else ("", "", "", "")
        invisible = 0  # characters of ANSI codes, which take no room on screen
        if self._known_target():
            bar = f"{bold}{self._count(current)}{reset} "
            invisible += len(bold) + len(reset)
            filled = int(self.width * (float(current) / self.target))
            if filled > 0:
                bar += f"{green}{_BAR_CHAR * filled}{reset}"
                invisible += len(green) + len(reset)
            bar += f"{grey}{_BAR_CHAR * (self.width - filled)}{reset}"
            invisible += len(grey) + len(reset)
        else:
            bar = "%7d/Unknown" % current

        if self._known_target() and not finalize:
            clock = self._format_eta(time_per_unit * (self.target - current))
        else:
            clock = f"{now - self._start:.0f}s"  # time elapsed
        info = f" {bold}{clock}{reset}"
        invisible += len(bold) + len(reset)
        info += self._format_time(time_per_unit)
        for name in self._values_order:
            avg = self._average(name)
            info += f" - {name}: {avg:.4f}" if abs(avg) > 1e-3 else f" - {name}: {avg:.4e}"
        return bar, info, invisible

    def _print_dynamic_line(self, current, now, time_per_unit, finalize):
        message = ("\b" * self._prev_total_width + "\r") if self._dynamic_display else "\n"
        bar, info, invisible = self._line_parts(current, now, time_per_unit, finalize)
        message += bar + info
        total_width = len(bar) + len(info) - invisible
        if self._prev_total_width > total_width:
            message += " " * (self._prev_total_width - total_width)  # erase what the last line left
        if finalize:
            message += "\n"
        io_utils.print_msg(message, line_break=False)
        self._prev_total_width = total_width

    def _print_final_line(self, current, now, time_per_unit):
        line = f"{self._count(current)} - {now - self._start:.0f}s -{self._format_time(time_per_unit)}"
        for name in self._values_order:
            avg = self._average(name)
            # Keras compares without abs() here, so negative values print in e-notation.
            line += f" - {name}: {avg:.4f}" if avg > 1e-3 else f" - {name}: {avg:.4e}"
        io_utils.print_msg(line + "\n", line_break=False)
