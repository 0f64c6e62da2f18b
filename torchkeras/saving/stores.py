"""The `store` and asset directories that the saving walk hands to each object's hooks.

`save_own_variables(store)` writes arrays into a `WriteStore` (`store["0"] = variable`); `load_own_variables
(store)` reads a `ReadStore` (`store["0"]` is a NumPy array, `store.keys()`, `len(store)`), exactly as Keras's
H5 store behaves. The arrays of a `ReadStore` were read and validated (numeric dtypes only, see `h5_utils`)
before any hook runs, so a hook never sees a half-read file.

`save_assets(dir_path)` / `load_assets(dir_path)` get a directory of their own. `AssetsWriter` collects what
the hooks wrote, per object path; `AssetsReader` materializes the assets a file holds (zip members under
`assets/`, or the byte datasets of an HDF5 `__assets__` group) into a temporary directory, refusing member
names that would escape it, and capping sizes.
"""
import collections.abc
import os
import shutil
import tempfile

import numpy as np

from torchkeras.saving import h5_utils
from torchkeras.saving import limits

ASSETS_GROUP = "__assets__"  # in HDF5 files; Keras's walk never uses `__` names, so it cannot collide


class WriteStore(collections.abc.MutableMapping):
    """What `save_own_variables` fills: keys to NumPy arrays (tensors and Variables are converted)."""

    def __init__(self):
        self._data = {}

    def __setitem__(self, key, value):
        if not isinstance(key, str):
            raise TypeError(f"Variable store keys must be strings. Received: {key!r}")
        self._data[key] = h5_utils.to_numpy(value)

    def __getitem__(self, key):
        return self._data[key]

    def __delitem__(self, key):
        del self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)


class ReadStore(collections.abc.Mapping):
    """What `load_own_variables` reads: validated NumPy arrays, keys in the file's order ("0", "1", ...)."""

    def __init__(self, arrays=None, where=""):
        self._data = dict(arrays or {})
        self.where = where

    def __getitem__(self, key):
        if isinstance(key, bytes):
            key = key.decode("utf-8")
        try:
            return self._data[key]
        except KeyError:
            raise KeyError(f"'{key}' is not in the saved variables{self.where} (keys: {list(self._data)})") \
                from None

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)

    def __repr__(self):
        return f"<ReadStore{self.where}: {list(self._data)}>"


def sorted_keys(names):
    """Numeric keys in integer order (as Keras wrote them), others after, in their given order."""
    numeric = sorted((k for k in names if k.isdigit()), key=int)
    return numeric + [k for k in names if not k.isdigit()]


# --- assets ------------------------------------------------------------------------------------------------


def _safe_relative(name, where):
    """Refuse absolute names, `..` and drive letters: an asset may only land inside its directory."""
    normalized = name.replace("\\", "/")
    parts = normalized.split("/")
    if normalized.startswith("/") or (len(parts[0]) == 2 and parts[0][1] == ":") or \
            any(p in ("..",) for p in parts) or "\x00" in normalized:
        raise ValueError(f"Not allowed: the asset '{name}' in {where} would be written outside the asset "
                         "directory (absolute path or `..`). The file is damaged or hostile.")
    return [p for p in parts if p not in ("", ".")]


class AssetsWriter:
    """Gives each object a fresh directory; afterwards `files()` lists `(object path, relative name, bytes)`."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="torchkeras_assets_")

    def make(self, path):
        directory = os.path.join(self.root, *[p for p in path.split("/") if p]) if path else self.root
        os.makedirs(directory, exist_ok=True)
        return directory

    def files(self):
        """Every file written, as `(relative path from the assets root with "/", file path on disk)`."""
        out = []
        for directory, _, names in os.walk(self.root):
            for name in sorted(names):
                full = os.path.join(directory, name)
                out.append((os.path.relpath(full, self.root).replace(os.sep, "/"), full))
        return sorted(out)

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)


class AssetsReader:
    """Asset files laid out in a temporary directory; `get(path)` is an object's directory or None."""

    def __init__(self, where):
        self.where = where
        self.root = tempfile.mkdtemp(prefix="torchkeras_assets_")
        self.total = 0

    def add(self, relative, data):
        """Place one file (`relative` uses "/"), checking its name and the running size cap."""
        parts = _safe_relative(relative, self.where)
        if not parts:
            return
        self.total += len(data)
        if self.total > limits.MAX_ASSETS_BYTES:
            raise ValueError(f"The assets in {self.where} are larger than {limits.MAX_ASSETS_BYTES} bytes: "
                             "refusing to unpack them.")
        target = os.path.join(self.root, *parts)  # a fresh directory, no links: the checked parts stay in it
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.isdir(target):
            raise ValueError(f"The asset '{relative}' in {self.where} is both a file and a directory.")
        with open(target, "wb") as f:
            f.write(data)

    def get(self, path):
        directory = os.path.join(self.root, *[p for p in path.split("/") if p]) if path else self.root
        if os.path.isdir(directory) and (path or os.listdir(directory)):
            return directory
        return None

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)


def write_h5_assets(h5_group, writer):
    """Store the files of `writer` as uint8 datasets under `h5_group/__assets__/<path>/<name>`."""
    files = writer.files()
    if not files:
        return
    root = h5_group.require_group(ASSETS_GROUP)
    for relative, full in files:
        with open(full, "rb") as f:
            data = f.read()
        parent = root
        parts = relative.split("/")
        for part in parts[:-1]:
            parent = parent.require_group(part)
        parent.create_dataset(parts[-1], data=np.frombuffer(data, dtype=np.uint8))


def read_h5_assets(h5_group, where):
    """An `AssetsReader` with the files of `h5_group/__assets__`, or None when there are none."""
    h5py = h5_utils.h5py_module()
    root = h5_utils.child(h5_group, ASSETS_GROUP, "group")
    if root is None:
        return None
    reader = AssetsReader(where)
    try:
        stack = [(root, "")]
        while stack:
            group, prefix = stack.pop()
            for name in h5_utils.keys(group):
                relative = f"{prefix}{name}"
                _safe_relative(relative, where)
                link = h5_utils._link_kind(group, name)
                if link != "hard link":
                    raise h5_utils.H5FileError(f"Not allowed: the asset '{relative}' in {where} is an HDF5 {link}.")
                try:
                    obj = group[name]
                except h5_utils._DAMAGE as e:
                    raise h5_utils.H5FileError(f"Could not read the asset '{relative}' in {where}: {e}") from None
                if isinstance(obj, h5py.Group):
                    stack.append((obj, relative + "/"))
                    continue
                h5_utils.check_dataset(obj, f"the asset '{relative}'")
                if obj.dtype != np.uint8 or len(obj.shape) != 1:
                    raise h5_utils.H5FileError(f"The asset '{relative}' in {where} is not a byte array "
                                               f"(found {obj.dtype} with shape {obj.shape}).")
                reader.add(relative, h5_utils.read_array(obj, f"the asset '{relative}'").tobytes())
    except BaseException:
        reader.close()
        raise
    return reader


# --- values for assignment -----------------------------------------------------------------------------------


def check_assignable(variable, value, owner):
    """Raise a ValueError unless `value` can be assigned to `variable` as is: same shape, and a real numeric
    dtype (bool, int, float, bfloat16; never bytes, strings, objects, compound or complex values)."""
    array = value if isinstance(value, np.ndarray) else np.asarray(value)
    name = getattr(variable, "path", None) or getattr(variable, "name", "?")
    kind = array.dtype.kind
    if not (kind in ("b", "i", "u", "f") or array.dtype.name == "bfloat16"):
        raise ValueError(
            f"The saved value for the weight {name} of {owner} has the dtype {array.dtype}, which cannot become "
            f"the variable's dtype {str(variable.dtype).replace('torch.', '')}. The file is damaged or not a Keras "
            "weights file."
        )
    expected = tuple(variable.shape)
    if tuple(array.shape) != expected:
        raise ValueError(f"Shape mismatch in {owner} for weight {name}: expected shape {expected}, received "
                         f"{tuple(array.shape)}")


def assignable(value):
    """`value` as an array `Variable.assign` takes (bfloat16 through float32, which is exact)."""
    array = value if isinstance(value, np.ndarray) else np.asarray(value)
    if array.dtype.name == "bfloat16":
        return array.astype(np.float32)
    return array


def assign(variable, value):
    """Assign a checked saved value: `variable.assign` for a Keras Variable, an in-place copy otherwise."""
    import torch

    value = assignable(value)
    if callable(getattr(variable, "assign", None)):
        variable.assign(value)
        return
    with torch.no_grad():
        variable.copy_(torch.as_tensor(value).to(device=variable.device, dtype=variable.dtype))
