"""HDF5 helpers shared by the Keras file formats: opening files with clear errors, string attributes
(str, bytes or numpy bytes), and name lists split into `<name>0`, `<name>1`, ... chunks when they pass
HDF5's object-header limit (64512 bytes), as Keras writes them.
"""
import json

import numpy as np

HDF5_OBJECT_HEADER_LIMIT = 64512


def h5py_module():
    try:
        import h5py
    except ImportError:  # pragma: no cover - h5py is a dependency
        raise ImportError("Saving and loading HDF5 files requires h5py: `pip install h5py`.") from None
    return h5py


def open_for_reading(filepath):
    """Open an HDF5 file for reading; a missing, truncated or non-HDF5 file raises a clear error."""
    h5py = h5py_module()
    if isinstance(filepath, h5py.File):
        return filepath
    import os

    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No file or directory found at {filepath}")
    try:
        return h5py.File(filepath, mode="r")
    except OSError as e:
        raise ValueError(
            f"Could not read the HDF5 file at {filepath}: it is not a valid HDF5 file, or it is truncated or "
            f"corrupted ({e}). Check that the file was written completely by `model.save()` or "
            "`model.save_weights()`."
        ) from None


def read_dataset(group, name, where=""):
    """The dataset `name` of `group` as a numpy array; a missing or unreadable one raises a clear error."""
    try:
        dataset = group[name]
    except KeyError:
        raise ValueError(
            f"The HDF5 file is missing the weight '{name}'{where} (the group lists it but it is not there): "
            "the file is incomplete or corrupted."
        ) from None
    try:
        value = dataset[()]
    except (OSError, RuntimeError) as e:
        raise ValueError(f"Could not read the weight '{name}'{where} from the HDF5 file: {e}. The file is "
                         "truncated or corrupted.") from None
    value = np.asarray(value)
    if dataset.attrs.get("dtype") == "bfloat16" or str(decode(dataset.attrs.get("dtype", ""))) == "bfloat16":
        import ml_dtypes

        value = value.view(ml_dtypes.bfloat16)
    return value


def decode(value):
    """A `str` from a str, bytes or numpy bytes attribute (other values are returned unchanged)."""
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8")
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in ("S", "O", "U"):
        return decode(value.item())
    return value


def read_json_attr(attrs, name):
    """A JSON attribute (`model_config`, `training_config`) parsed, or None if absent."""
    if name not in attrs:
        return None
    text = decode(attrs[name])
    try:
        return json.loads(text)
    except (TypeError, ValueError) as e:
        raise ValueError(f"The HDF5 attribute '{name}' is not valid JSON: {e}") from None


def read_name_list(group, name):
    """A list of names stored as `group.attrs[name]`, or as chunks `name0`, `name1`, ...

    An empty float64 array (Keras's way of writing "no names") gives an empty list.
    """
    attrs = group.attrs
    if name in attrs:
        chunks = [attrs[name]]
    else:
        chunks = []
        index = 0
        while f"{name}{index}" in attrs:
            chunks.append(attrs[f"{name}{index}"])
            index += 1
    names = []
    for chunk in chunks:
        array = np.asarray(chunk)
        if array.dtype.kind in ("f", "i", "u") and array.size == 0:
            continue
        for item in array.reshape(-1).tolist():
            names.append(decode(item))
    return names


def write_name_list(group, name, names):
    """Write `names` as `group.attrs[name]`, split into `name0`, `name1`, ... if over the header limit.

    An empty list is written as an empty float64 array, like Keras.
    """
    encoded = [n.encode("utf-8") if isinstance(n, str) else bytes(n) for n in names]
    too_long = [n for n in encoded if len(n) > HDF5_OBJECT_HEADER_LIMIT]
    if too_long:
        raise RuntimeError(
            "The following attributes cannot be saved to HDF5 file because they are larger than "
            f"{HDF5_OBJECT_HEADER_LIMIT} bytes: {too_long}"
        )
    if not encoded:
        group.attrs[name] = np.asarray([], dtype=np.float64)
        return
    array = np.asarray(encoded)
    chunks = [array]
    count = 1
    while any(c.nbytes > HDF5_OBJECT_HEADER_LIMIT for c in chunks):
        count += 1
        chunks = np.array_split(array, count)
    if count == 1:
        group.attrs[name] = encoded
    else:
        for i, chunk in enumerate(chunks):
            group.attrs[f"{name}{i}"] = chunk


def write_dataset(group, name, value):
    """Write one weight as a contiguous, uncompressed dataset (scalars have shape `()`)."""
    value = np.asarray(value)
    extra = {}
    if value.dtype.name == "bfloat16":
        extra["dtype"] = "bfloat16"
    dataset = group.create_dataset(name, data=value)
    for key, attr in extra.items():
        dataset.attrs[key] = attr
    return dataset
