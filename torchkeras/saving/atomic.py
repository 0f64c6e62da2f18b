"""Atomic file writes: everything is written to a temporary file beside the target, which is renamed onto
the target only once complete. A crash or an error during a save leaves the previous file untouched.
"""
import contextlib
import os
import tempfile


def check_overwrite(filepath, overwrite):
    """False if the user declines to overwrite an existing file (`overwrite=False` asks, like Keras)."""
    if overwrite or not os.path.exists(filepath):
        return True
    from torchkeras.utils import io_utils

    return io_utils.ask_to_proceed_with_overwrite(filepath)


@contextlib.contextmanager
def atomic_write(filepath):
    """Yield a temporary path in `filepath`'s directory; on success it replaces `filepath`.

    On any exception the temporary file is removed and `filepath` keeps its previous content.
    """
    filepath = os.fspath(filepath)
    directory = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(directory, exist_ok=True)
    fd, tmp_path = tempfile.mkstemp(prefix=f".{os.path.basename(filepath)}.", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as f:
            os.fsync(f.fileno())
        if os.path.exists(filepath):
            _copy_mode(filepath, tmp_path)
        else:
            os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, filepath)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp_path)
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _copy_mode(src, dst):
    with contextlib.suppress(OSError):
        os.chmod(dst, os.stat(src).st_mode & 0o7777)
