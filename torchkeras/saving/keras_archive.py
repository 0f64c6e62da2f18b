"""The Keras 3 `.keras` archive: a zip of `metadata.json`, `config.json`, `model.weights.h5` and the objects'
assets (`assets/<object path>/<file>`, from `save_assets`), stored uncompressed (ZIP_STORED) in that order,
interchangeable with real Keras 3.

`config.json` is `serialize_keras_object(model)` (module / class_name / config / registered_name, plus
`build_config` and `compile_config`; optimizers written as `keras.optimizers`). `model.weights.h5` is the
`.weights.h5` layout. `save_model(..., zipped=False)` writes the same files into a directory.

Reading validates every member before using it: names (no absolute paths or `..`), no encryption, a known
compression method, and sizes (caps on `config.json` and `metadata.json`; the weights and assets may be
large but must not expand far beyond what the archive stores; see `limits`).
"""
import datetime
import io
import json
import os
import stat
import zipfile

from torchkeras.saving import h5_utils
from torchkeras.saving import limits
from torchkeras.saving import serialization_lib
from torchkeras.saving import stores
from torchkeras.saving import weights_h5

KERAS_VERSION = "3.15.1"
CONFIG_FILENAME = "config.json"
METADATA_FILENAME = "metadata.json"
WEIGHTS_FILENAME = "model.weights.h5"
ASSETS_DIRNAME = "assets"
_KNOWN_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)


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


def _weights_bytes(model, assets):
    h5py = h5_utils.h5py_module()
    buffer = io.BytesIO()
    with h5py.File(buffer, mode="w") as f:
        weights_h5.write_model(f, model, assets=assets)
    return buffer.getvalue()


def save_model(model, filepath, zipped=True):
    """Write `model` as a `.keras` zip archive at `filepath` (or a directory when `zipped=False`)."""
    config_text = model_config_json(model)
    assets = stores.AssetsWriter()
    try:
        weights = _weights_bytes(model, assets)
        metadata = _metadata_json()
        asset_files = [(f"{ASSETS_DIRNAME}/{relative}", full) for relative, full in assets.files()]
        if not zipped:
            os.makedirs(filepath, exist_ok=True)
            for name, data in ((METADATA_FILENAME, metadata.encode("utf-8")),
                               (CONFIG_FILENAME, config_text.encode("utf-8")), (WEIGHTS_FILENAME, weights)):
                with open(os.path.join(filepath, name), "wb") as f:
                    f.write(data)
            for name, full in asset_files:
                target = os.path.join(filepath, *name.split("/"))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(full, "rb") as src, open(target, "wb") as dst:
                    dst.write(src.read())
            return
        with zipfile.ZipFile(filepath, mode="w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr(zipfile.ZipInfo(METADATA_FILENAME, date_time=(1980, 1, 1, 0, 0, 0)), metadata)
            archive.writestr(zipfile.ZipInfo(CONFIG_FILENAME, date_time=(1980, 1, 1, 0, 0, 0)), config_text)
            now = datetime.datetime.now().timetuple()[:6]
            archive.writestr(zipfile.ZipInfo(WEIGHTS_FILENAME, date_time=now), weights)
            for name, full in asset_files:
                archive.write(full, name)
    finally:
        assets.close()


# --- reading ---------------------------------------------------------------------------------------------


class _Archive:
    """Members of a `.keras` zip or of an unzipped model directory, validated when opened."""

    def __init__(self, filepath):
        self.filepath = filepath
        self.directory = os.path.isdir(filepath)
        self.zip = None
        if self.directory:
            return
        if not os.path.exists(filepath):
            raise FileNotFoundError(f"No file or directory found at {filepath}")
        try:
            is_zip = zipfile.is_zipfile(filepath)
        except OSError as e:
            raise ValueError(f"Could not read the `.keras` archive at {filepath}: {e}") from None
        if not is_zip:
            raise ValueError(
                f"The file at {filepath} is not a valid `.keras` archive (a zip file): it is truncated, "
                "corrupted, or in another format."
            )
        try:
            self.zip = zipfile.ZipFile(filepath, mode="r")
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, NotImplementedError, EOFError) as e:
            raise ValueError(f"Could not open the `.keras` archive at {filepath}: {e}. The file is truncated, "
                             "corrupted, or not a Keras archive.") from None
        try:
            for info in self.zip.infolist():
                self._check_member(info)
        except BaseException:
            self.zip.close()
            raise

    def _check_member(self, info):
        name = info.filename
        stores._safe_relative(name, f"the `.keras` archive at {self.filepath}")
        if info.flag_bits & 0x1:
            raise ValueError(f"The member '{name}' of the `.keras` archive at {self.filepath} is encrypted: Keras "
                             "archives are never encrypted. Re-save the model.")
        if info.compress_type not in _KNOWN_COMPRESSION:
            raise ValueError(f"The member '{name}' of the `.keras` archive at {self.filepath} uses the unknown "
                             f"compression method {info.compress_type}: Keras archives are stored uncompressed. "
                             "Re-save the model.")

    def names(self):
        if self.directory:
            return os.listdir(self.filepath)
        return self.zip.namelist()

    def _missing(self, name):
        return ValueError(
            f"The `.keras` archive at {self.filepath} has no '{name}' member (members: {self.names()[:20]}): it "
            "is incomplete or not a Keras model file."
        )

    def _directory_file(self, name):
        path = os.path.join(self.filepath, *name.split("/"))
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            raise self._missing(name) from None
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"Not allowed: '{name}' in the model directory {self.filepath} is not a regular "
                             "file (a link or a device): refusing to read it.")
        return path, info.st_size

    def read(self, name, limit=None):
        """The bytes of member `name`; `limit` caps its size, otherwise a zip bomb is refused."""
        if self.directory:
            path, size = self._directory_file(name)
            if limit is not None and size > limit:
                raise ValueError(f"'{name}' in {self.filepath} is too large ({size} bytes, the limit is {limit}).")
            with open(path, "rb") as f:
                return f.read()
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            raise self._missing(name) from None
        if limit is not None and info.file_size > limit:
            raise ValueError(f"The '{name}' member of {self.filepath} is too large ({info.file_size} bytes, the "
                             f"limit is {limit}): it is not a Keras file.")
        if info.file_size > limits.ZIP_BOMB_FLOOR_BYTES and \
                info.file_size > limits.ZIP_MAX_EXPANSION * max(info.compress_size, 1):
            raise ValueError(
                f"Not allowed: the member '{name}' of {self.filepath} declares {info.file_size} bytes but only "
                f"{info.compress_size} are stored: refusing to load a potential decompression bomb."
            )
        try:
            with self.zip.open(info) as member:
                data = member.read(info.file_size + 1)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as e:
            raise ValueError(f"Could not read '{name}' from the `.keras` archive at {self.filepath}: {e}. "
                             "The file is truncated or corrupted.") from None
        if len(data) > info.file_size:
            raise ValueError(f"The member '{name}' of {self.filepath} is larger than it declares: the archive is "
                             "corrupted or hostile.")
        return data

    def assets(self):
        """An `AssetsReader` with the `assets/` members, or None when there are none."""
        prefix = ASSETS_DIRNAME + "/"
        if self.directory:
            root = os.path.join(self.filepath, ASSETS_DIRNAME)
            if not os.path.isdir(root) or os.path.islink(root):
                return None
            names = []
            for directory, subdirs, files in os.walk(root):
                for sub in subdirs:
                    if os.path.islink(os.path.join(directory, sub)):
                        raise ValueError(f"Not allowed: the assets of {self.filepath} contain a link "
                                         f"({os.path.join(directory, sub)}).")
                for file in files:
                    relative = os.path.relpath(os.path.join(directory, file), self.filepath).replace(os.sep, "/")
                    names.append(relative)
        else:
            names = [n for n in self.zip.namelist() if n.startswith(prefix) and not n.endswith("/")]
        if not names:
            return None
        reader = stores.AssetsReader(f"the `.keras` archive at {self.filepath}")
        try:
            for name in sorted(names):
                reader.add(name[len(prefix):], self.read(name))
        except BaseException:
            reader.close()
            raise
        return reader

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
        f = h5py.File(io.BytesIO(data), mode="r")
    except h5_utils._DAMAGE as e:
        raise ValueError(f"The weights in the `.keras` archive at {archive.filepath} are not a valid HDF5 "
                         f"file ({e}): the archive is truncated or corrupted.") from None
    try:
        h5_utils.preflight(f)
    except BaseException:
        f.close()
        raise
    return f


def read_config(filepath):
    """The parsed `config.json` of a `.keras` archive (or model directory)."""
    archive = _Archive(filepath)
    try:
        return _parse_config(archive)
    finally:
        archive.close()


def _parse_config(archive):
    if METADATA_FILENAME in archive.names():
        archive.read(METADATA_FILENAME, limit=limits.MAX_METADATA_BYTES)  # checked, not needed
    text = archive.read(CONFIG_FILENAME, limit=limits.MAX_CONFIG_BYTES)
    return limits.parse_json(text, f"The config.json of {archive.filepath}")


def _load_state(archive, model, skip_mismatch=False):
    weights_file = _open_weights(archive)
    assets = None
    try:
        assets = archive.assets()
        weights_h5.load_model(weights_file, model, skip_mismatch=skip_mismatch, assets=assets)
    finally:
        weights_file.close()
        if assets is not None:
            assets.close()


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Rebuild the model of a `.keras` archive, with its weights, assets (and compiled state and optimizer)."""
    from torchkeras.saving import config_checks
    from torchkeras.saving.saving_api import register_builtins

    register_builtins()
    archive = _Archive(filepath)
    try:
        config = _parse_config(archive)
        config_checks.check_model_config(config, f"The config.json of {filepath}")
        if not compile:
            config = {k: v for k, v in config.items() if k != "compile_config"}
        with serialization_lib.CustomObjectScope(custom_objects or {}):
            model = config_checks.deserialize_model(config, f"The config.json of {filepath}",
                                                    custom_objects=custom_objects, safe_mode=safe_mode)
        _load_state(archive, model)
        return model
    finally:
        archive.close()


def load_weights(model, filepath, skip_mismatch=False):
    """Load the weights (and assets) stored in a `.keras` archive into `model`."""
    archive = _Archive(filepath)
    try:
        _load_state(archive, model, skip_mismatch=skip_mismatch)
    finally:
        archive.close()


def is_keras_archive(filepath):
    if os.path.isdir(filepath):
        return os.path.exists(os.path.join(filepath, CONFIG_FILENAME))
    try:
        return zipfile.is_zipfile(filepath)
    except OSError:
        return False
