"""`keras.saving.save_model` / `load_model` / `save_weights` / `load_weights`: the format follows the file
name, as in Keras.

| file name | `save`/`load_model` | `save_weights`/`load_weights` |
|---|---|---|
| `*.keras` | Keras 3 zip archive | (load only) the archive's weights |
| `*.weights.h5` | - | Keras 3 weights layout |
| other `*.h5`, `*.hdf5` | legacy Keras 2 HDF5 full model | legacy Keras 2 weights layout |
| `*.weights.json` | - | sharded Keras 3 weights (index + shards) |

Every write goes to a temporary file beside the target, renamed into place once complete. Loading never
unpickles, and runs no code from a file (Lambda layers) unless `safe_mode=False`.
"""
import contextlib
import os
import threading

from torchkeras.api_export import keras_export
from torchkeras.distribution import checkpoint
from torchkeras.saving import atomic
from torchkeras.saving import serialization_lib

_unsafe_local = threading.local()


def _path(filepath):
    if isinstance(filepath, os.PathLike):
        return os.fspath(filepath)
    return filepath


def _is_h5py_file(obj):
    try:
        import h5py
    except ImportError:  # pragma: no cover
        return False
    return isinstance(obj, h5py.File)


def _is_h5_name(path):
    return str(path).endswith((".h5", ".hdf5"))


def register_builtins():
    """Import the packages whose public classes a saved config may name (their exports register them)."""
    import importlib

    for name in ("layers", "models", "optimizers", "losses", "metrics", "initializers", "regularizers",
                 "constraints", "activations", "dtype_policies"):
        try:
            importlib.import_module(f"torchkeras.{name}")
        except ImportError:  # pragma: no cover - a package being rewritten must not block loading the rest
            pass


@contextlib.contextmanager
def _safe_mode(safe_mode):
    """Apply `safe_mode` to every nested deserialization (nested calls default to safe mode otherwise)."""
    previous = getattr(serialization_lib._local, "global_unsafe", False)
    if safe_mode is False:
        serialization_lib._local.global_unsafe = True
    try:
        with serialization_lib.SafeModeScope(safe_mode):
            yield
    finally:
        serialization_lib._local.global_unsafe = previous


@keras_export("keras.saving.save_model", "keras.models.save_model")
@checkpoint.collective_save  # keras.distribution: gather shards, rank 0 writes
def save_model(model, filepath, overwrite=True, include_optimizer=True, save_format=None, **kwargs):
    """Save a model: a `.keras` archive, or the legacy Keras 2 HDF5 format for `.h5`/`.hdf5` names.

    Args:
        model: the model to save.
        filepath: `str` or `pathlib.Path` ending in `.keras`, `.h5` or `.hdf5` (or an open `h5py.File`).
        overwrite: whether to overwrite an existing file (otherwise ask).
        include_optimizer: (`.h5` only) whether to save the compile state and the optimizer state.
        save_format: `"keras"` or `"h5"`; Keras 2 spelling, optional (the file name decides).
        zipped: (`.keras` only) `False` writes the archive's files into a directory.
    """
    from torchkeras.saving import keras_archive, legacy_h5

    zipped = kwargs.pop("zipped", True)
    if kwargs:
        raise ValueError(
            "The following argument(s) are not supported: "
            f"{list(kwargs.keys())}"
        )
    if save_format in ("tf", "tensorflow"):
        raise ValueError(
            "The `save_format='tf'` argument (TensorFlow SavedModel) is not supported. Save as `.keras` "
            "(recommended) or `.h5`, or use `model.export()` for inference artifacts."
        )
    if _is_h5py_file(filepath):
        legacy_h5.save_model(model, filepath, include_optimizer=include_optimizer)
        return
    filepath = _path(filepath)
    if save_format in ("h5", "hdf5") or _is_h5_name(filepath):
        if str(filepath).endswith(".weights.h5"):
            raise ValueError(
                f"The filename '{filepath}' ends with `.weights.h5`, which is for weights only: use "
                "`model.save_weights()` for it, or name the model file `.keras` or `.h5`."
            )
        if not atomic.check_overwrite(filepath, overwrite):
            return
        with atomic.atomic_write(filepath) as tmp:
            legacy_h5.save_model(model, tmp, include_optimizer=include_optimizer)
        return
    if save_format == "keras" or str(filepath).endswith(".keras"):
        if not atomic.check_overwrite(filepath, overwrite):
            return
        if not zipped:
            keras_archive.save_model(model, filepath, zipped=False)
            return
        with atomic.atomic_write(filepath) as tmp:
            keras_archive.save_model(model, tmp)
        return
    raise ValueError(
        "Invalid filepath extension for saving. Please add either a `.keras` extension for the native Keras "
        f"format (recommended) or a `.h5` extension. Use `model.export(filepath)` if you want to export a "
        f"SavedModel for use with TFLite/TFServing/etc. Received: filepath={filepath}."
    )


@contextlib.contextmanager
def naming_file(filepath):
    """Errors raised while loading `filepath` name it (prefixed when their message doesn't already)."""
    try:
        yield
    except (ValueError, TypeError) as e:
        path = str(getattr(filepath, "filename", filepath))
        if len(e.args) == 1 and isinstance(e.args[0], str) and path not in e.args[0]:
            e.args = (f"Error while loading {path}: {e.args[0]}",)
        raise


@keras_export("keras.saving.load_model", "keras.models.load_model")
@checkpoint.collective_load  # keras.distribution: every process loads its shards
def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved as `.keras` or legacy `.h5` (by torchkeras, Keras 3 or Keras 2).

    Args:
        filepath: `str` or `pathlib.Path` of the file (or an open `h5py.File`).
        custom_objects: dict mapping names to custom classes or functions used by the model.
        compile: whether to compile the model with its saved training configuration (and restore the
            optimizer state).
        safe_mode: refuse to load Python code (Lambda layers) from the file. Set it to `False` only for
            files you trust.
    """
    from torchkeras.saving import keras_archive, legacy_h5

    register_builtins()
    with _safe_mode(safe_mode), naming_file(filepath):
        if _is_h5py_file(filepath):
            return legacy_h5.load_model(filepath, custom_objects=custom_objects, compile=compile)
        filepath = _path(filepath)
        name = str(filepath)
        if name.endswith(".weights.h5") or name.endswith(".weights.json"):
            raise ValueError(
                f"The file at {filepath} holds weights only: build the model in code, then call "
                "`model.load_weights(filepath)`."
            )
        if name.endswith(".keras") or (os.path.isdir(name) and keras_archive.is_keras_archive(name)):
            return keras_archive.load_model(filepath, custom_objects=custom_objects, compile=compile,
                                            safe_mode=safe_mode)
        if _is_h5_name(name):
            return legacy_h5.load_model(filepath, custom_objects=custom_objects, compile=compile)
        if not os.path.exists(name):
            raise ValueError(
                f"File not found: filepath={filepath}. Please ensure the file is an accessible `.keras` zip file."
            )
        if _has_hdf5_signature(name):
            return legacy_h5.load_model(filepath, custom_objects=custom_objects, compile=compile)
        raise ValueError(
            f"File format not supported: filepath={filepath}. torchkeras (like Keras 3) only supports `.keras` "
            "files and legacy H5 format files (`.h5` extension). TensorFlow SavedModel directories cannot be "
            "loaded: rebuild the model and load its weights instead."
        )


def _has_hdf5_signature(path):
    try:
        with open(path, "rb") as f:
            return f.read(8) == b"\x89HDF\r\n\x1a\n"
    except OSError:
        return False


@keras_export("keras.saving.save_weights")
@checkpoint.collective_save
def save_weights(model, filepath, overwrite=True, **kwargs):
    """Save the model's weights: Keras 3 layout for `*.weights.h5`, Keras 2 layout for other `*.h5`.

    `max_shard_size` (in GB) with a `*.weights.json` name writes sharded Keras 3 weights.
    """
    from torchkeras.saving import legacy_weights, sharded_weights, weights_h5

    max_shard_size = kwargs.pop("max_shard_size", None)
    kwargs.pop("save_format", None)
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    filepath = _path(filepath)
    name = str(filepath)
    if max_shard_size is not None or name.endswith(".weights.json"):
        if not name.endswith(".weights.json"):
            raise ValueError(
                "The filename must end in `.weights.json` when `max_shard_size` is specified. "
                f"Received: filepath={filepath}"
            )
        if not atomic.check_overwrite(filepath, overwrite):
            return
        sharded_weights.save_weights(model, filepath, max_shard_size=max_shard_size or 5.0)
        return
    if name.endswith(".weights.h5"):
        writer = weights_h5.save_weights
    elif _is_h5_name(name):
        writer = legacy_weights.save_weights
    else:
        raise ValueError(
            "The filename must end in `.weights.h5` (Keras 3 layout) or `.h5` (Keras 2 layout). "
            f"Received: filepath={filepath}"
        )
    if not atomic.check_overwrite(filepath, overwrite):
        return
    with atomic.atomic_write(filepath) as tmp:
        writer(model, tmp)


@keras_export("keras.saving.load_weights")
@checkpoint.collective_load
def load_weights(model, filepath, skip_mismatch=False, by_name=False, **kwargs):
    """Load weights into `model` from `*.weights.h5`, a legacy `*.h5`, a `.keras` archive or sharded
    `*.weights.json`. `by_name=True` (legacy `.h5` only) matches layers by name instead of position."""
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    with naming_file(filepath):
        _load_weights(model, filepath, skip_mismatch, by_name)


def _load_weights(model, filepath, skip_mismatch, by_name):
    from torchkeras.saving import keras_archive, legacy_weights, sharded_weights, weights_h5

    if _is_h5py_file(filepath):
        legacy_weights.load_model_weights(legacy_weights.weights_root(filepath), model,
                                          skip_mismatch=skip_mismatch, by_name=by_name)
        return
    filepath = _path(filepath)
    name = str(filepath)
    if name.endswith(".keras"):
        _no_by_name(by_name, filepath)
        keras_archive.load_weights(model, filepath, skip_mismatch=skip_mismatch)
    elif name.endswith(".weights.h5"):
        _no_by_name(by_name, filepath)
        weights_h5.load_weights(model, filepath, skip_mismatch=skip_mismatch)
    elif name.endswith(".weights.json"):
        _no_by_name(by_name, filepath)
        sharded_weights.load_weights(model, filepath, skip_mismatch=skip_mismatch)
    elif _is_h5_name(name) or _has_hdf5_signature(name):
        _load_any_h5(model, filepath, skip_mismatch, by_name)
    else:
        if not os.path.exists(name):
            raise FileNotFoundError(f"No file or directory found at {filepath}")
        raise ValueError(
            "File format not supported: filepath={}. Keras 3 weights files end in `.weights.h5`, Keras 2 ones "
            "in `.h5`; `.keras` archives are accepted too.".format(filepath)
        )


def _load_any_h5(model, filepath, skip_mismatch, by_name):
    from torchkeras.saving import h5_utils, legacy_weights, weights_h5

    f = h5_utils.open_for_reading(filepath)
    try:
        if legacy_weights.is_legacy_weights_file(f):
            legacy_weights.load_model_weights(legacy_weights.weights_root(f), model,
                                              skip_mismatch=skip_mismatch, by_name=by_name)
        elif weights_h5.is_keras3_weights_file(f):
            _no_by_name(by_name, filepath)
            weights_h5.load_model(f, model, skip_mismatch=skip_mismatch)
        else:
            raise ValueError(
                f"The HDF5 file at {filepath} is not a Keras weights file: it has neither `layer_names` "
                "(Keras 2 layout) nor `layers`/`vars` groups (Keras 3 layout)."
            )
    finally:
        f.close()


def _no_by_name(by_name, filepath):
    if by_name:
        raise ValueError(
            f"`by_name=True` is only supported for legacy `.h5` weights files. Received: filepath={filepath}. "
            "Keras 3 weights are matched by the model's structure."
        )
