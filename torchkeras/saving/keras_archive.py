"""The Keras 3 `.keras` archive: a zip of `metadata.json`, `config.json` and `model.weights.h5`, stored
uncompressed (ZIP_STORED) in that order, interchangeable with real Keras 3.

`config.json` is `serialize_keras_object(model)` (module / class_name / config / registered_name, plus
`build_config` and `compile_config`; optimizers written as `keras.optimizers`). `model.weights.h5` is the
`.weights.h5` layout. `save_model(..., zipped=False)` writes the same three files into a directory.
"""
import datetime
import io
import json
import os
import zipfile

from torchkeras.saving import h5_utils
from torchkeras.saving import serialization_lib
from torchkeras.saving import weights_h5

KERAS_VERSION = "3.15.1"
CONFIG_FILENAME = "config.json"
METADATA_FILENAME = "metadata.json"
WEIGHTS_FILENAME = "model.weights.h5"
_MAX_JSON_BYTES = 256 * 1024 * 1024


def model_config_json(model):
    """The `config.json` text of `model` (the compiled optimizer is written as its full config)."""
    config = serialization_lib.serialize_keras_object(model)
    compile_config = config.get("compile_config")
    if isinstance(compile_config, dict) and getattr(model, "optimizer", None) is not None:
        compile_config = dict(compile_config)
        compile_config["optimizer"] = serialization_lib.serialize_keras_object(model.optimizer)
        config["compile_config"] = compile_config
    return json.dumps(config, default=_json_default)


def _json_default(obj):
    import numpy as np

    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, (tuple, set)):
        return list(obj)
    raise TypeError(f"Not JSON serializable: {obj!r} (of type {type(obj).__name__})")


def _metadata_json():
    date = datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")
    return json.dumps({"keras_version": KERAS_VERSION, "date_saved": date})


def _weights_bytes(model):
    h5py = h5_utils.h5py_module()
    buffer = io.BytesIO()
    with h5py.File(buffer, mode="w") as f:
        weights_h5.write_model(f, model)
    return buffer.getvalue()


def save_model(model, filepath, zipped=True):
    """Write `model` as a `.keras` zip archive at `filepath` (or a directory when `zipped=False`)."""
    config_text = model_config_json(model)
    weights = _weights_bytes(model)
    metadata = _metadata_json()
    if not zipped:
        os.makedirs(filepath, exist_ok=True)
        for name, data in ((METADATA_FILENAME, metadata.encode("utf-8")),
                           (CONFIG_FILENAME, config_text.encode("utf-8")), (WEIGHTS_FILENAME, weights)):
            with open(os.path.join(filepath, name), "wb") as f:
                f.write(data)
        return
    with zipfile.ZipFile(filepath, mode="w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(zipfile.ZipInfo(METADATA_FILENAME, date_time=(1980, 1, 1, 0, 0, 0)), metadata)
        archive.writestr(zipfile.ZipInfo(CONFIG_FILENAME, date_time=(1980, 1, 1, 0, 0, 0)), config_text)
        now = datetime.datetime.now().timetuple()[:6]
        archive.writestr(zipfile.ZipInfo(WEIGHTS_FILENAME, date_time=now), weights)


# --- reading ---------------------------------------------------------------------------------------------


class _Archive:
    """Members of a `.keras` zip or of an unzipped model directory."""

    def __init__(self, filepath):
        self.filepath = filepath
        self.directory = os.path.isdir(filepath)
        self.zip = None
        if not self.directory:
            if not os.path.exists(filepath):
                raise FileNotFoundError(f"No file or directory found at {filepath}")
            if not zipfile.is_zipfile(filepath):
                raise ValueError(
                    f"The file at {filepath} is not a valid `.keras` archive (a zip file): it is truncated, "
                    "corrupted, or in another format."
                )
            try:
                self.zip = zipfile.ZipFile(filepath, mode="r")
            except (zipfile.BadZipFile, OSError) as e:
                raise ValueError(f"Could not open the `.keras` archive at {filepath}: {e}") from None

    def names(self):
        if self.directory:
            return os.listdir(self.filepath)
        return self.zip.namelist()

    def read(self, name, limit=None):
        if name not in self.names():
            raise ValueError(
                f"The `.keras` archive at {self.filepath} has no '{name}' member (members: {self.names()}): it "
                "is incomplete or not a Keras model file."
            )
        if self.directory:
            with open(os.path.join(self.filepath, name), "rb") as f:
                return f.read()
        info = self.zip.getinfo(name)
        if limit is not None and info.file_size > limit:
            raise ValueError(f"The '{name}' member of {self.filepath} is too large ({info.file_size} bytes).")
        try:
            return self.zip.read(name)
        except (zipfile.BadZipFile, OSError, EOFError) as e:
            raise ValueError(f"Could not read '{name}' from the `.keras` archive at {self.filepath}: {e}. "
                             "The file is truncated or corrupted.") from None

    def close(self):
        if self.zip is not None:
            self.zip.close()


def _open_weights(archive):
    h5py = h5_utils.h5py_module()
    if WEIGHTS_FILENAME not in archive.names():
        if "model.weights.npz" in archive.names():
            raise ValueError(f"The `.keras` archive at {archive.filepath} stores its weights as npz "
                             "(`weights_format='npz'`), which torchkeras does not read. Re-save it with the "
                             "default h5 weights.")
    data = archive.read(WEIGHTS_FILENAME)
    try:
        return h5py.File(io.BytesIO(data), mode="r")
    except OSError as e:
        raise ValueError(f"The weights in the `.keras` archive at {archive.filepath} are not a valid HDF5 "
                         f"file ({e}): the archive is truncated or corrupted.") from None


def read_config(filepath):
    """The parsed `config.json` of a `.keras` archive (or model directory)."""
    archive = _Archive(filepath)
    try:
        return _parse_config(archive)
    finally:
        archive.close()


def _parse_config(archive):
    text = archive.read(CONFIG_FILENAME, limit=_MAX_JSON_BYTES)
    try:
        return json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ValueError(f"The config.json of {archive.filepath} is not valid JSON: {e}") from None


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Rebuild the model of a `.keras` archive, with its weights (and compiled state and optimizer)."""
    from torchkeras.saving.saving_api import register_builtins

    register_builtins()
    archive = _Archive(filepath)
    try:
        config = _parse_config(archive)
        if not compile:
            config = {k: v for k, v in config.items() if k != "compile_config"}
        weights_file = _open_weights(archive)
        try:
            with serialization_lib.CustomObjectScope(custom_objects or {}):
                model = serialization_lib.deserialize_keras_object(config, custom_objects=custom_objects,
                                                                  safe_mode=safe_mode)
            weights_h5.load_model(weights_file, model)
        finally:
            weights_file.close()
        return model
    finally:
        archive.close()


def load_weights(model, filepath, skip_mismatch=False):
    """Load only the weights stored in a `.keras` archive into `model`."""
    archive = _Archive(filepath)
    try:
        weights_file = _open_weights(archive)
        try:
            weights_h5.load_model(weights_file, model, skip_mismatch=skip_mismatch)
        finally:
            weights_file.close()
    finally:
        archive.close()


def is_keras_archive(filepath):
    if os.path.isdir(filepath):
        return os.path.exists(os.path.join(filepath, CONFIG_FILENAME))
    return zipfile.is_zipfile(filepath)
