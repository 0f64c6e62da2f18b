"""The compile state of a model as the legacy `.h5` `training_config` stores it, both ways.

Written like Keras 3 (`loss`, `loss_weights`, `metrics`, `weighted_metrics`, `run_eagerly`,
`steps_per_execution`, `jit_compile`, `optimizer_config`), with an optimizer config that Keras 2 accepts
too (Keras-3-only keys are left out while they hold their default). Read from Keras 2 and Keras 3 files,
including Keras 2's `Custom>Adam`, per-output nested metric lists and `MeanMetricWrapper` dicts.
"""
import warnings

from torchkeras.saving import serialization_lib

_SPECIAL_METRICS = ("accuracy", "acc", "crossentropy", "ce")
# Left out at their default so that Keras 2 (whose h5 loader builds its legacy optimizers from a plain
# "Adam" class name, and rejects these keys) loads the file too; Keras 3 takes the defaults.
_KERAS3_ONLY_OPTIMIZER_KEYS = {"loss_scale_factor": None, "gradient_accumulation_steps": None,
                               "weight_decay": None, "use_ema": False, "ema_momentum": 0.99,
                               "ema_overwrite_frequency": None}


def _serialize_nested(value):
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, dict) and "class_name" in value:
        return value
    if isinstance(value, dict):
        return {k: _serialize_nested(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_serialize_nested(v) for v in value]
    return serialization_lib.serialize_keras_object(value)


def optimizer_config(optimizer):
    """`{"class_name", "config"}` of `optimizer`, readable by Keras 2 and Keras 3."""
    config = optimizer.get_config()
    config = {k: v for k, v in config.items()
              if not (k in _KERAS3_ONLY_OPTIMIZER_KEYS and v == _KERAS3_ONLY_OPTIMIZER_KEYS[k])}
    config = serialization_lib.serialize_keras_object(config)
    cls = type(optimizer)
    class_name = serialization_lib.GLOBAL_CUSTOM_NAMES.get(cls, cls.__name__)
    return {"class_name": class_name, "config": config}


def training_config(model):
    """The `training_config` dict of a compiled model."""
    compile_config = dict(getattr(model, "_compile_config", None) or {})
    out = {
        "loss": _serialize_nested(compile_config.get("loss")),
        "loss_weights": _serialize_nested(compile_config.get("loss_weights")),
        "metrics": _serialize_nested(compile_config.get("metrics")),
        "weighted_metrics": _serialize_nested(compile_config.get("weighted_metrics")),
        "run_eagerly": bool(compile_config.get("run_eagerly", False)),
        "steps_per_execution": compile_config.get("steps_per_execution", 1),
        "jit_compile": bool(compile_config.get("jit_compile", False)),
        "optimizer_config": optimizer_config(model.optimizer),
    }
    return out


# --- reading ---------------------------------------------------------------------------------------------


def _is_single(value):
    return isinstance(value, str) or (isinstance(value, dict) and "class_name" in value)


def _nested(fn, value):
    if value is None:
        return None
    if _is_single(value):
        return fn(value)
    if isinstance(value, dict):
        return {k: _nested(fn, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_nested(fn, v) for v in value]
    raise ValueError(
        "Saved configuration not understood. Configuration should be a dictionary, string, tuple or list. "
        f"Received: config={value}."
    )


def _loss(value, custom_objects):
    if isinstance(value, str):
        return value
    from torchkeras import losses

    try:
        return losses.deserialize(value, custom_objects=custom_objects)
    except (TypeError, ValueError):
        name = (value.get("config") or {}).get("name") if isinstance(value.get("config"), dict) else None
        if name:
            return name
        raise


def _metric(value, custom_objects):
    if isinstance(value, str):
        return value
    from torchkeras import metrics

    config = value.get("config") if isinstance(value.get("config"), dict) else {}
    if value.get("class_name") == "MeanMetricWrapper" and config.get("name") in _SPECIAL_METRICS:
        return config["name"]
    try:
        return metrics.deserialize(value, custom_objects=custom_objects)
    except (TypeError, ValueError):
        name = config.get("name")
        if isinstance(name, str):
            return name
        raise


def _flatten_single_output(value):
    """Keras 2 writes metrics per output (`[[m1, m2]]`); a single-output model takes the inner list."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
        return value[0]
    return value


def compile_args(config, custom_objects=None, num_outputs=1):
    """`model.compile(**kwargs)` arguments from a `training_config` dict."""
    from torchkeras import optimizers

    with serialization_lib.CustomObjectScope(custom_objects or {}):
        optimizer_config = config.get("optimizer_config")
        optimizer = None
        if optimizer_config is not None:
            optimizer = optimizers.deserialize(dict(optimizer_config), custom_objects=custom_objects)
        loss = _nested(lambda v: _loss(v, custom_objects), config.get("loss"))
        metrics = _nested(lambda v: _metric(v, custom_objects), config.get("metrics"))
        weighted = _nested(lambda v: _metric(v, custom_objects), config.get("weighted_metrics"))
    if num_outputs == 1:
        metrics = _flatten_single_output(metrics)
        weighted = _flatten_single_output(weighted)
    args = {"optimizer": optimizer if optimizer is not None else "rmsprop", "loss": loss, "metrics": metrics,
            "weighted_metrics": weighted, "loss_weights": config.get("loss_weights")}
    if config.get("run_eagerly"):
        args["run_eagerly"] = True
    return args


def compile_from_training_config(model, config, custom_objects=None):
    """Compile `model` from a `training_config`; warns and leaves it uncompiled if that is impossible."""
    num_outputs = len(getattr(model, "outputs", None) or [None])
    try:
        args = compile_args(config, custom_objects, num_outputs=num_outputs)
        model.compile(**args)
    except (TypeError, ValueError) as e:
        warnings.warn(
            f"Could not compile the loaded model from the saved training configuration ({e}). The model is "
            "returned uncompiled: call `model.compile(...)` yourself, or pass `compile=False` to silence this.",
            stacklevel=3,
        )
        return False
    return True
