"""The legacy Keras 2 HDF5 full-model format: `model.save("x.h5")` and `load_model("x.h5")`.

Root attributes `keras_version`, `backend`, `model_config` (JSON, Keras 2 dialect so that Keras 2 and
Keras 3 both load it) and, for a compiled model, `training_config`; the `model_weights` group (legacy weights
layout) and the `optimizer_weights` group (every optimizer variable, slots included).

Loading reads files written by Keras 2 (tf.keras) and Keras 3 as well as torchkeras's own; it restores the
compiled state and the optimizer state, so training resumed after `load_model` continues exactly.
"""
import json

import numpy as np

from torchkeras.saving import h5_utils
from torchkeras.saving import legacy_config
from torchkeras.saving import legacy_weights
from torchkeras.saving import limits
from torchkeras.saving import optimizer_state
from torchkeras.saving import serialization_lib
from torchkeras.saving import training_config as training_config_lib


def _json_default(obj):
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, tuple):
        return list(obj)
    if isinstance(obj, bytes):
        return obj.decode("utf-8")
    raise TypeError(f"Not JSON serializable: {obj!r} (of type {type(obj).__name__})")


def _dumps(value):
    return json.dumps(value, default=_json_default)


def save_model(model, filepath, include_optimizer=True):
    """Write `model` to `filepath` (a path or an open, writable `h5py.File`) in the legacy layout."""
    h5py = h5_utils.h5py_module()
    model_config = legacy_config.keras2_model_config(model)
    train_config = None
    if include_optimizer and getattr(model, "compiled", False) and getattr(model, "optimizer", None) is not None:
        train_config = training_config_lib.training_config(model)
    opened = not isinstance(filepath, h5py.File)
    f = h5py.File(filepath, mode="w") if opened else filepath
    try:
        f.attrs["keras_version"] = legacy_weights.KERAS_VERSION
        f.attrs["backend"] = legacy_weights.BACKEND
        f.attrs["model_config"] = _dumps(model_config).encode("utf-8")
        if train_config is not None:
            f.attrs["training_config"] = _dumps(train_config).encode("utf-8")
        legacy_weights.write_model_weights(f.create_group("model_weights"), model)
        if train_config is not None:
            optimizer_state.write_optimizer_weights(f, model.optimizer)
        f.flush()
    finally:
        if opened:
            f.close()


def model_from_h5_config(model_config, custom_objects=None, keras_version="3", what="The legacy model config"):
    """Build the (unweighted) model described by a legacy `model_config` dict."""
    from torchkeras.saving import config_checks
    from torchkeras.saving.saving_api import register_builtins

    register_builtins()
    config_checks.check_model_config(model_config, what)
    keras2 = not str(keras_version).startswith("3")
    limits.check_depth(model_config, what)
    try:
        config = legacy_config.normalize_model_config(model_config, custom_objects, keras2=keras2)
    except (AttributeError, IndexError, KeyError, TypeError, RecursionError) as e:
        raise limits.ConfigError(f"{what} is malformed ({type(e).__name__}: {e}): it was not written by Keras, or "
                                 "it was damaged.") from None
    safe_mode = serialization_lib.in_safe_mode()
    with serialization_lib.CustomObjectScope(custom_objects or {}):
        model = config_checks.deserialize_model(config, what, custom_objects=custom_objects,
                                                safe_mode=True if safe_mode is None else safe_mode)
    return model


def file_keras_version(f):
    """The `keras_version` a legacy file was written with ("1" when absent, as Keras assumes)."""
    version = h5_utils.decode(h5_utils.read_attr(f, "keras_version", "1"))
    return str(version)


def load_model(filepath, custom_objects=None, compile=True):
    """Load a full model from a legacy `.h5` file (Keras 2, Keras 3 or torchkeras)."""
    f = h5_utils.open_for_reading(filepath)
    try:
        name = h5_utils.file_name(f)
        model_config = h5_utils.read_json_attr(f, "model_config")
        if model_config is None and h5_utils.has_attr(f, "model_config"):
            from torchkeras.saving import config_checks

            config_checks.check_model_config(None, f"The model_config of {name}")
        if model_config is None:
            if legacy_weights.is_legacy_weights_file(f):
                raise ValueError(
                    f"No model config found in the file at {name}: it holds weights only (written by "
                    "`save_weights`). Build the model in code, then call `model.load_weights(filepath)`."
                )
            raise ValueError(f"No model config found in the file at {name}.")
        weights = h5_utils.child(f, "model_weights", "group")
        if weights is None:
            raise ValueError(f"The file at {name} has a model config but no `model_weights` group: it is "
                             "incomplete or corrupted.")
        model = model_from_h5_config(model_config, custom_objects, keras_version=file_keras_version(f),
                                     what=f"The model_config of {name}")
        legacy_weights.load_model_weights(weights, model)
        if not compile:
            return model
        train_config = h5_utils.read_json_attr(f, "training_config")
        if train_config is None:
            return model
        if not isinstance(train_config, dict):
            raise ValueError(f"The training_config of {name} is not a dict (found {type(train_config).__name__}): "
                             "the file is damaged. Load it with `compile=False`.")
        if not training_config_lib.compile_from_training_config(model, train_config, custom_objects):
            return model
        entries = optimizer_state.read_optimizer_weights(f)
        if entries:
            optimizer_state.restore(model.optimizer, entries, model.trainable_weights)
        return model
    finally:
        f.close()
