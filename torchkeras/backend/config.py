"""Global Keras settings: floatx, epsilon, image data format, `keras.json`.

Like Keras, settings are read once from `$KERAS_HOME/keras.json` (default `~/.keras/keras.json`) at import
time; the `set_*` functions change them for this process only.
"""
import json
import os

from torchkeras.api_export import keras_export

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_BACKEND = "torch"
_ALLOWED_FLOATX = ("float16", "bfloat16", "float32", "float64")


def keras_home():
    """The Keras home directory: `$KERAS_HOME`, else `~/.keras` (`/tmp/.keras` if home is not writable)."""
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    base = os.path.expanduser("~")
    if not os.access(base, os.W_OK):
        base = "/tmp"
    return os.path.join(base, ".keras")


@keras_export("keras.backend.floatx", "keras.config.floatx")
def floatx():
    """Return the default float type, as a string (e.g. `'float32'`)."""
    return _FLOATX


@keras_export("keras.backend.set_floatx", "keras.config.set_floatx")
def set_floatx(value):
    """Set the default float type (`'float16'`, `'bfloat16'`, `'float32'` or `'float64'`)."""
    global _FLOATX
    value = str(value)
    if value not in _ALLOWED_FLOATX:
        raise ValueError(f"Unknown `floatx` value: {value}. Expected one of {set(_ALLOWED_FLOATX)}")
    _FLOATX = value


@keras_export("keras.backend.epsilon", "keras.config.epsilon")
def epsilon():
    """Return the fuzz factor used in numeric expressions (default 1e-7)."""
    return _EPSILON


@keras_export("keras.backend.set_epsilon", "keras.config.set_epsilon")
def set_epsilon(value):
    """Set the fuzz factor used in numeric expressions."""
    global _EPSILON
    _EPSILON = float(value)


@keras_export("keras.backend.image_data_format", "keras.config.image_data_format")
def image_data_format():
    """Return the default image data format, `'channels_last'` or `'channels_first'`."""
    return _IMAGE_DATA_FORMAT


@keras_export("keras.backend.set_image_data_format", "keras.config.set_image_data_format")
def set_image_data_format(data_format):
    """Set the default image data format (`'channels_last'` or `'channels_first'`)."""
    global _IMAGE_DATA_FORMAT
    data_format = str(data_format).lower()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format}"
        )
    _IMAGE_DATA_FORMAT = data_format


def standardize_data_format(data_format):
    """Resolve `None` to the global default and validate a `data_format` argument."""
    if data_format is None:
        return image_data_format()
    data_format = str(data_format).lower()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format}"
        )
    return data_format


@keras_export("keras.backend.backend", "keras.config.backend")
def backend():
    """The name of the backend: always `'torch'`."""
    return _BACKEND


def _load_keras_json():
    path = os.path.join(keras_home(), "keras.json")
    if not os.path.exists(path):
        return
    try:
        with open(path) as f:
            cfg = json.load(f)
    except ValueError:
        return
    if "floatx" in cfg and cfg["floatx"] in _ALLOWED_FLOATX:
        set_floatx(cfg["floatx"])
    if "epsilon" in cfg:
        set_epsilon(cfg["epsilon"])
    if cfg.get("image_data_format") in ("channels_first", "channels_last"):
        set_image_data_format(cfg["image_data_format"])


_load_keras_json()
