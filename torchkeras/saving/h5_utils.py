"""HDF5 helpers shared by the Keras file formats: opening files with clear errors, reading only what a
weights file may hold, string attributes (str, bytes or numpy bytes), and name lists split into `<name>0`,
`<name>1`, ... chunks when they pass HDF5's object-header limit (64512 bytes), as Keras writes them.

Every read goes through `child`, `read_array`, `read_attr` and `read_name_list`, which validate at the
boundary, once:
- only hard links are followed: soft links, external links, external storage and virtual datasets (which
  can make a file read bytes from any other local file) are refused, as are groups where a dataset is
  expected and datasets where a group is;
- a weight must be numeric (bool, int, uint, float, or Keras's bfloat16); strings, bytes, object, compound
  and complex arrays are refused before anything is assigned;
- a dataset that declares far more bytes than the file stores (a shape bomb) is refused before reading;
- h5py's own OSError/RuntimeError/TypeError from a damaged file become `H5FileError` (a ValueError) naming
  the file and the object being read; names that are not UTF-8 are reported, not raised as UnicodeDecodeError.
- libhdf5 itself can loop forever or crash on some damaged structures (a corrupted global heap behind a
  variable-length string attribute, which is how Keras stores names and configs), where no Python code can
  interrupt it. So `preflight` first walks the file's metadata (every object header, attribute and dataset
  header) in a forked child process; a child that makes no progress for 2 seconds, or dies, means a damaged
  file and a clear error, before the loader reads anything. (Where `os.fork` is unavailable, it is skipped;
  `TORCHKERAS_H5_PREFLIGHT_SECONDS` sets the limit, 0 turns it off.)
"""
import math
import os
import signal

import numpy as np

HDF5_OBJECT_HEADER_LIMIT = 64512
# A dataset may declare more bytes than it stores (compression, fill values), but not absurdly more.
_BOMB_FLOOR_BYTES = 64 * 1024 * 1024
_BOMB_MAX_EXPANSION = 1000
_DAMAGE = (OSError, RuntimeError, TypeError, KeyError, ValueError, AttributeError, SystemError)


class H5FileError(ValueError):
    """A Keras HDF5 file that is damaged, hostile, or holds something other than weights where weights go."""


def h5py_module():
    try:
        import h5py
    except ImportError:  # pragma: no cover - h5py is a dependency
        raise ImportError("Saving and loading HDF5 files requires h5py: `pip install h5py`.") from None
    return h5py


def file_name(obj):
    """The file an h5py object belongs to, for messages."""
    try:
        name = obj.file.filename
    except _DAMAGE:
        return "the HDF5 file"
    if not name or not isinstance(name, str) or name.startswith("<"):
        return "the HDF5 file"
    return name


def object_name(obj):
    try:
        return obj.name or "/"
    except _DAMAGE:
        return "?"


def _fail(obj, what, detail, advice="The file is damaged or was not written by Keras: re-save it."):
    return H5FileError(f"Could not read {what} in {file_name(obj)}: {detail}. {advice}")


def open_for_reading(filepath):
    """Open an HDF5 file for reading; a missing, truncated or non-HDF5 file raises a clear error."""
    h5py = h5py_module()
    if isinstance(filepath, h5py.File):
        return filepath
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No file or directory found at {filepath}")
    try:
        f = h5py.File(filepath, mode="r")
    except _DAMAGE as e:
        raise H5FileError(
            f"Could not read the HDF5 file at {filepath}: it is not a valid HDF5 file, or it is truncated or "
            f"corrupted ({e}). Check that the file was written completely by `model.save()` or "
            "`model.save_weights()`."
        ) from None
    try:
        preflight(f)
    except BaseException:
        f.close()
        raise
    return f


# Seconds without progress before a preflight walk counts as a hang; `TORCHKERAS_H5_PREFLIGHT_SECONDS=0` turns the
# preflight off (a trusted file on a machine too loaded to schedule the child promptly).
PREFLIGHT_SECONDS = float(os.environ.get("TORCHKERAS_H5_PREFLIGHT_SECONDS", "2.0")) or None


def _walk_metadata(h5_file, progress=None):
    """Touch every object header, attribute and dataset header of the file, with h5py's low-level API
    (fast). Errors are ignored: the loader reports them itself; only a hang or a crash matters here."""
    import numpy as np
    from h5py import h5a
    from h5py import h5o

    root = h5_file.file.id if hasattr(h5_file, "file") else h5_file.id
    objects = [(b".", -1, None)]

    def collect(name, info):
        objects.append((name, info.num_attrs, info.type))

    try:
        h5o.visit(root, collect, info=True)
    except Exception:  # noqa: BLE001 - reported by the loader
        pass
    if progress is not None:
        progress()
    for count, (name, num_attrs, kind) in enumerate(objects):
        if progress is not None and count % 64 == 0:
            progress()
        if num_attrs == 0 and kind != h5o.TYPE_DATASET:
            continue
        try:
            oid = h5o.open(root, name)
            if kind == h5o.TYPE_DATASET:
                oid.shape, oid.dtype, oid.get_storage_size(), oid.get_create_plist().get_external_count()
            for index in range(h5a.get_num_attrs(oid)):
                try:
                    attr = h5a.open(oid, index=index)
                    value = np.empty(attr.shape, dtype=attr.dtype)
                    attr.read(value)
                except Exception:  # noqa: BLE001 - reported by the loader
                    pass
        except Exception:  # noqa: BLE001 - reported by the loader
            continue


def preflight(h5_file, timeout=PREFLIGHT_SECONDS):
    """Walk `h5_file`'s metadata in a forked child; raise `H5FileError` if libhdf5 hangs (no progress for
    `timeout` seconds) or crashes on it."""
    if not hasattr(os, "fork") or timeout is None:
        return
    import select

    from h5py import _objects

    read_end, write_end = os.pipe()
    with _objects.phil:  # no other thread is inside h5py while forking
        pid = os.fork()
    if pid == 0:  # the child: walk, then leave without running any cleanup of the parent's
        code = 0
        try:
            os.close(read_end)
            _walk_metadata(h5_file, progress=lambda: os.write(write_end, b"."))
        except BaseException:  # noqa: BLE001
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        open_pipe = True
        while open_pipe:
            ready, _, _ = select.select([read_end], [], [], timeout)
            if not ready:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                raise H5FileError(
                    f"Reading the structure of {file_name(h5_file)} stalled for {timeout:g} seconds: the HDF5 "
                    "library loops on it. The file is damaged or hostile; re-save it from the original model."
                )
            open_pipe = bool(os.read(read_end, 4096))  # empty: the child is done
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status):
            raise H5FileError(
                f"The HDF5 library crashed (signal {os.WTERMSIG(status)}) while reading the structure of "
                f"{file_name(h5_file)}: the file is damaged or hostile; re-save it from the original model."
            )
    finally:
        os.close(read_end)


def contains(parent, name):
    """Whether `parent` has a link called `name` (a damaged file raises `H5FileError`)."""
    try:
        return name in parent
    except _DAMAGE as e:
        raise _fail(parent, f"'{object_name(parent)}'", f"listing its members failed ({e})") from None


def keys(group):
    """The member names of `group` (a damaged file or a non-UTF-8 name raises `H5FileError`)."""
    try:
        names = list(group.keys())
    except UnicodeDecodeError:
        raise _fail(group, f"the group '{object_name(group)}'", "a member name is not valid UTF-8") from None
    except _DAMAGE as e:
        raise _fail(group, f"the group '{object_name(group)}'", f"listing its members failed ({e})") from None
    out = []
    for name in names:
        if not isinstance(name, str):
            try:
                name = bytes(name).decode("utf-8")
            except (TypeError, UnicodeDecodeError):
                raise _fail(group, f"the group '{object_name(group)}'",
                            f"the member name {name!r} is not valid UTF-8") from None
        out.append(name)
    return out


def _link_kind(parent, name):
    h5py = h5py_module()
    try:
        link = parent.get(name, getclass=True, getlink=True)
    except _DAMAGE as e:
        raise _fail(parent, f"'{name}' in '{object_name(parent)}'", f"its link could not be read ({e})") from None
    if link is h5py.SoftLink:
        return "soft link"
    if link is h5py.ExternalLink:
        return "external link"
    if link is None:
        return None
    return "hard link"


def child(parent, name, kind, what=None):
    """`parent[name]`, which must be a hard-linked `kind` ("group" or "dataset"), or None if absent.

    Soft and external links are refused: they can point outside the weights, or to another file.
    """
    h5py = h5py_module()
    if not contains(parent, name):
        return None
    what = what or f"'{name}' in '{object_name(parent)}'"
    link = _link_kind(parent, name)
    if link in ("soft link", "external link"):
        raise H5FileError(
            f"Not allowed: {what} in {file_name(parent)} is an HDF5 {link}. Keras weights files hold their "
            "data themselves; a link could make loading read another file or object. Re-save the file."
        )
    try:
        obj = parent[name]
    except _DAMAGE as e:
        raise _fail(parent, what, f"opening it failed ({e})") from None
    expected = h5py.Group if kind == "group" else h5py.Dataset
    if not isinstance(obj, expected):
        found = "a group" if isinstance(obj, h5py.Group) else "a dataset" if isinstance(obj, h5py.Dataset) \
            else type(obj).__name__
        raise H5FileError(f"Invalid Keras file {file_name(parent)}: {what} should be a {kind} but is {found}.")
    return obj


def group_at(root, path):
    """The group at the `/`-separated `path` below `root` (each step checked by `child`), or None."""
    node = root
    for part in [p for p in path.split("/") if p]:
        node = child(node, part, "group")
        if node is None:
            return None
    return node


def read_attr(obj, name, default=None):
    """`obj.attrs[name]` (or `default`), with damage reported as `H5FileError`."""
    try:
        attrs = obj.attrs
        if name not in attrs:
            return default
        return attrs[name]
    except UnicodeDecodeError:
        raise _fail(obj, f"the attribute '{name}' of '{object_name(obj)}'", "it is not valid UTF-8") from None
    except _DAMAGE as e:
        raise _fail(obj, f"the attribute '{name}' of '{object_name(obj)}'", str(e) or type(e).__name__) from None


def has_attr(obj, name):
    try:
        return name in obj.attrs
    except _DAMAGE as e:
        raise _fail(obj, f"the attributes of '{object_name(obj)}'", str(e) or type(e).__name__) from None


def _is_bfloat16(dataset):
    value = read_attr(dataset, "dtype")
    try:
        return decode(value) == "bfloat16"
    except H5FileError:
        return False


def check_dataset(dataset, what):
    """Refuse external storage, virtual datasets, non-numeric dtypes and shape bombs (before reading)."""
    try:
        external = dataset.external
        virtual = dataset.is_virtual
        dtype = dataset.dtype
        shape = dataset.shape
    except _DAMAGE as e:
        raise _fail(dataset, what, f"its header could not be read ({e})") from None
    if external:
        raise H5FileError(
            f"Not allowed: {what} in {file_name(dataset)} keeps its data in external files ({external}). "
            "Keras weights files hold their data themselves; re-save the file."
        )
    if virtual:
        raise H5FileError(
            f"Not allowed: {what} in {file_name(dataset)} is a virtual dataset (it maps data from other files). "
            "Re-save the file."
        )
    if dtype.kind in ("b", "i", "u", "f"):
        pass
    elif dtype.kind == "V" and dtype.itemsize == 2 and dtype.names is None and _is_bfloat16(dataset):
        pass
    else:
        raise H5FileError(
            f"{what} in {file_name(dataset)} has the dtype {_dtype_name(dtype)}, which cannot be a weight (a "
            "weight is a bool, integer or real floating-point array). The file is damaged or not a Keras "
            "weights file."
        )
    if shape is None:
        raise H5FileError(f"{what} in {file_name(dataset)} is an empty (null) dataset, not a weight.")
    declared = math.prod(shape) * dtype.itemsize
    if declared > _BOMB_FLOOR_BYTES:
        try:
            stored = dataset.id.get_storage_size()
        except _DAMAGE as e:
            raise _fail(dataset, what, f"its storage size could not be read ({e})") from None
        if declared > _BOMB_MAX_EXPANSION * stored:
            raise H5FileError(
                f"Not allowed: {what} in {file_name(dataset)} declares the shape {tuple(shape)} "
                f"({declared} bytes) but stores only {stored} bytes: refusing to load a potential "
                "decompression or shape bomb."
            )
    return dtype


def _dtype_name(dtype):
    if dtype.names:
        return f"compound {dtype}"
    if dtype.kind == "c":
        return f"complex ({dtype})"
    if dtype.kind == "O":
        return "object (variable-length)"
    if dtype.kind in ("S", "U"):
        return f"string ({dtype})"
    return str(dtype)


def read_array(dataset, what):
    """A validated dataset's value as a numpy array (bfloat16 restored from Keras's `dtype` attribute)."""
    check_dataset(dataset, what)
    try:
        value = dataset[()]
    except _DAMAGE as e:
        raise H5FileError(f"Could not read {what} from {file_name(dataset)}: {e}. The file is truncated or "
                          "corrupted.") from None
    value = np.asarray(value)
    if value.dtype.kind == "V" or (_is_bfloat16(dataset) and value.dtype.itemsize == 2):
        import ml_dtypes

        value = value.view(ml_dtypes.bfloat16)
    return value


def read_dataset(group, name, where=""):
    """The dataset `name` of `group` as a validated numpy array; a missing or unusable one raises."""
    what = f"the weight '{name}'{where}"
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise H5FileError(f"Invalid Keras file {file_name(group)}: {what} is not a valid dataset path.")
    parent = group
    for part in parts[:-1]:  # Keras 2 weight names are paths ("dense/kernel:0"): check every step
        parent = child(parent, part, "group", what=f"'{part}' on the path of {what}")
        if parent is None:
            break
    dataset = child(parent, parts[-1], "dataset", what=what) if parent is not None else None
    if dataset is None:
        raise H5FileError(
            f"The HDF5 file {file_name(group)} is missing {what} (the group lists it but it is not there): "
            "the file is incomplete or corrupted."
        )
    return read_array(dataset, what)


def decode(value):
    """A `str` from a str, bytes or numpy bytes attribute (other values are returned unchanged)."""
    if isinstance(value, (bytes, np.bytes_)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise H5FileError(f"The name or attribute {bytes(value)[:60]!r} is not valid UTF-8 text: the file "
                              "is damaged or not a Keras file.") from None
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in ("S", "O", "U"):
        return decode(value.item())
    return value


def read_json_attr(obj, name):
    """A JSON attribute (`model_config`, `training_config`) of a file or group parsed, or None if absent."""
    attrs_owner = obj
    raw = read_attr(attrs_owner, name)
    if raw is None:
        return None
    text = decode(raw)
    if not isinstance(text, str):
        raise H5FileError(f"The HDF5 attribute '{name}' of {file_name(obj)} is not text (found "
                          f"{type(text).__name__}): the file is damaged or not a Keras model file.")
    from torchkeras.saving import limits

    return limits.parse_json(text, f"the '{name}' attribute of {file_name(obj)}")


def read_name_list(group, name):
    """A list of names stored as `group.attrs[name]`, or as chunks `name0`, `name1`, ...

    An empty float64 array (Keras's way of writing "no names") gives an empty list.
    """
    if has_attr(group, name):
        chunks = [read_attr(group, name)]
    else:
        chunks = []
        index = 0
        while has_attr(group, f"{name}{index}"):
            chunks.append(read_attr(group, f"{name}{index}"))
            index += 1
    names = []
    for chunk in chunks:
        array = np.asarray(chunk)
        if array.dtype.kind in ("f", "i", "u") and array.size == 0:
            continue
        if array.dtype.kind not in ("S", "U", "O"):
            raise H5FileError(f"The '{name}' attribute of '{object_name(group)}' in {file_name(group)} should "
                              f"list names but holds {array.dtype} values: the file is damaged.")
        for item in array.reshape(-1).tolist():
            text = decode(item)
            if not isinstance(text, str):
                raise H5FileError(f"The '{name}' attribute of '{object_name(group)}' in {file_name(group)} "
                                  f"holds a {type(text).__name__} where a name should be: the file is damaged.")
            names.append(text)
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


def to_numpy(value):
    """A numpy array of a tensor, Variable or array-like (bfloat16 kept, as Keras does with ml_dtypes)."""
    import torch

    if isinstance(value, torch.Tensor):
        value = value.detach()
        if value.dtype == torch.bfloat16:
            import ml_dtypes

            return value.float().cpu().numpy().astype(ml_dtypes.bfloat16)
        return value.cpu().numpy()
    return np.asarray(value)


def write_dataset(group, name, value):
    """Write one weight as a contiguous, uncompressed dataset (scalars have shape `()`)."""
    value = to_numpy(value)
    extra = {}
    if value.dtype.name == "bfloat16":
        extra["dtype"] = "bfloat16"
    dataset = group.create_dataset(name, data=value)
    for key, attr in extra.items():
        dataset.attrs[key] = attr
    return dataset
