"""Rebuilding models from configs: `model_from_config`, `model_from_json`, `model_from_yaml`.

Each returns a model or raises: a config that describes something else (`null`, a list, a number, a layer,
an optimizer, a function or class reference) is refused with an error saying what was found; malformed,
too deeply nested or alias-bomb inputs are refused before anything is built (`saving.limits`).
"""
from torchkeras.api_export import keras_export
from torchkeras.saving import config_checks
from torchkeras.saving import limits
from torchkeras.saving import serialization_lib


@keras_export("keras.models.model_from_config", "keras.saving.model_from_config")
def model_from_config(config, custom_objects=None):
    """A model from its config dict (Keras 3 `{"module", "class_name", "config"}` or Keras 2)."""
    if isinstance(config, list):
        raise TypeError(
            "`model_from_config` expects a dictionary, not a list. Received: config={config}. Did you meant to "
            "use `Sequential.from_config(config)`?"
        )
    return _model(config, "The model config", custom_objects)


def _model(config, what, custom_objects):
    from torchkeras.saving.saving_api import register_builtins

    register_builtins()
    config_checks.check_model_config(config, what)
    return config_checks.deserialize_model(config, what, custom_objects=custom_objects,
                                           deserialize=serialization_lib.deserialize_keras_object)


@keras_export("keras.models.model_from_json", "keras.saving.model_from_json")
def model_from_json(json_string, custom_objects=None):
    """A model from the JSON written by `model.to_json()` (by torchkeras, Keras 3 or Keras 2)."""
    config = limits.parse_json(json_string, "The JSON model config")
    return _model(config, "The JSON model config", custom_objects)


@keras_export("keras.models.model_from_yaml")
def model_from_yaml(yaml_string, custom_objects=None):
    """A model from the YAML written by `model.to_yaml()` (read with PyYAML's safe loader)."""
    config = limits.parse_yaml(yaml_string, "The YAML model config")
    return _model(config, "The YAML model config", custom_objects)
