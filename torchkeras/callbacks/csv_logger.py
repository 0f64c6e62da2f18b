"""`keras.callbacks.CSVLogger`: stream the epoch results to a CSV file."""
import collections
import csv
import os

import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.callbacks.callback import Callback
from torchkeras.utils import io_utils


@keras_export("keras.callbacks.CSVLogger")
class CSVLogger(Callback):
    """Write one row per epoch: `epoch`, then every log key in sorted order.

    The columns are fixed at the first epoch end; when no `val_` key exists then, a `val_<key>` column is
    added for every key and filled with `NA`. Rows end with `\\r\\n` (the csv module's default dialect).

    Args:
        filename: the CSV file.
        separator: the string that separates the fields. Defaults to `","`.
        append: append to an existing file (the header is written only if the file is empty) instead of
            overwriting it.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = io_utils.path_to_string(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename, "r", newline="") as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode, newline="")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs.keys())
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys.extend([f"val_{k}" for k in self.keys])
        if self.writer is None:
            sep = self.sep

            class _Dialect(csv.excel):
                delimiter = sep

            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + (self.keys or []), dialect=_Dialect)
            if self.append_header:
                self.writer.writeheader()
        row = collections.OrderedDict({"epoch": epoch})
        row.update((key, _handle_value(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


def _handle_value(value):
    if isinstance(value, str):
        return value
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
        if value.ndim == 0:
            return value.item()
    if isinstance(value, collections.abc.Iterable) and not (isinstance(value, np.ndarray) and value.ndim == 0):
        return f'"[{", ".join(map(str, value))}]"'
    return value
