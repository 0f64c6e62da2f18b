"""Reading the datasets' pickled files without running code from them.

CIFAR batches are Python pickles and IMDB/Reuters store ragged lists as NumPy object arrays (pickled inside
the `.npz`). `np.load(allow_pickle=True)` or `pickle.load` would execute whatever the file asks for; here
the unpickler only resolves the few globals that rebuild NumPy arrays, so a tampered file raises instead.
Plain containers (lists, dicts, tuples), numbers, `str` and `bytes` need no globals and load as usual.
"""
import io
import pickle
import zipfile

import numpy as np

_ALLOWED = {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("_codecs", "encode"),  # how Python 3 writes `bytes` in protocol-2 pickles
}
# Pickles written by NumPy 1.x name `numpy.core`; NumPy 2 keeps the same objects in `numpy._core`.
_RENAMED = {"numpy.core.multiarray": "numpy._core.multiarray"}


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that only allows the globals needed to rebuild NumPy arrays."""

    def find_class(self, module, name):
        module = _RENAMED.get(module, module)
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"Refusing to load `{module}.{name}` while reading a Keras dataset: only NumPy arrays, lists, "
            "dicts, numbers, str and bytes are allowed. The file may be corrupted or malicious; delete it "
            "from the cache and download it again."
        )


def load_pickle(fileobj, encoding="bytes"):
    """Unpickle `fileobj` with `RestrictedUnpickler`."""
    return RestrictedUnpickler(fileobj, encoding=encoding).load()


def _read_npy(buffer):
    try:
        return np.lib.format.read_array(buffer, allow_pickle=False)
    except ValueError:  # an object array: its payload is a pickle
        buffer.seek(0)
        version = np.lib.format.read_magic(buffer)
        if version[0] == 1:
            np.lib.format.read_array_header_1_0(buffer)
        elif version[0] in (2, 3):
            np.lib.format.read_array_header_2_0(buffer)
        else:
            raise ValueError(f"Unsupported `.npy` file version: {version}.") from None
        return load_pickle(buffer, encoding="latin1")


def load_npz(path):
    """Read an `.npz` archive into a dict of arrays; object arrays go through `RestrictedUnpickler`."""
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                with archive.open(member) as raw:
                    arrays[member[:-4]] = _read_npy(io.BytesIO(raw.read()))
    return arrays
