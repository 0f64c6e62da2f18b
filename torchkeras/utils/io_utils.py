"""Console and file-path helpers: `print_msg`, the overwrite prompt, `path_to_string`.

`print_msg` is where the progress bar and `model.summary()` write. It writes to `sys.stdout` and flushes,
unless interactive logging was turned off with `keras.config.disable_interactive_logging()`; then the
message goes to the `logging` module instead (Keras sends it to absl logging).
"""
import importlib
import logging
import os
import sys

_LOGGER = logging.getLogger("torchkeras")


def is_interactive_logging_enabled():
    """Whether logs go to stdout (True, the default) or to the `logging` module.

    The flag lives in `keras.config` (`enable_interactive_logging` / `disable_interactive_logging`); it is
    read defensively, so that printing works even while that package is missing or broken.
    """
    config = sys.modules.get("torchkeras.config")
    if config is None:
        try:
            config = importlib.import_module("torchkeras.config")
        except Exception:  # noqa: BLE001 - printing must never fail because of the config package
            return True
    flag = getattr(config, "is_interactive_logging_enabled", None)
    if not callable(flag):
        return True
    try:
        return bool(flag())
    except Exception:  # noqa: BLE001
        return True


def print_msg(message, line_break=True):
    """Print `message` to stdout (then flush), or log it when interactive logging is disabled."""
    message = str(message)
    if not is_interactive_logging_enabled():
        _LOGGER.info(message)
        return
    if line_break:
        message = message + "\n"
    stream = sys.stdout
    try:
        stream.write(message)
    except UnicodeEncodeError:
        # A stream that cannot encode "━" (e.g. latin-1): fall back to Keras 2's "=" and drop what is left.
        encoding = getattr(stream, "encoding", None) or "utf-8"
        message = message.replace("━", "=").encode(encoding, errors="ignore").decode(encoding)
        stream.write(message)
    stream.flush()


def ask_to_proceed_with_overwrite(filepath):
    """Ask the user whether to overwrite `filepath`.

    Returns:
        True if we can proceed with the overwrite, False otherwise.
    """
    answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n]").strip().lower()
    while answer not in ("y", "n"):
        answer = input('Enter "y" (overwrite) or "n" (cancel).').strip().lower()
    if answer == "n":
        return False
    print_msg("[TIP] Next time specify overwrite=True!")
    return True


def path_to_string(path):
    """Convert a `PathLike` object (e.g. `pathlib.Path`) to a string; return anything else unchanged."""
    if isinstance(path, os.PathLike):
        return os.fspath(path)
    return path


# Keras 2's `keras.utils.io_utils.HDF5Matrix`.
from torchkeras.utils.hdf5_matrix import HDF5Matrix  # noqa: E402,F401
