"""Rebuilding models from configs: `model_from_config`, `model_from_json`, `model_from_yaml`."""
import json

from torchkeras.api_export import keras_export
from torchkeras.saving import serialization_lib


@keras_export("keras.models.model_from_config", "keras.saving.model_from_config")
def model_from_config(config, custom_objects=None):
    """A model (or layer) from its config dict (Keras 3 `{"module", "class_name", "config"}` or Keras 2)."""
    if isinstance(config, list):
        raise TypeError(
            "`model_from_config` expects a dictionary, not a list. Received: config={config}. Did you meant to "
            "use `Sequential.from_config(config)`?"
        )
    return serialization_lib.deserialize_keras_object(config, custom_objects=custom_objects)


@keras_export("keras.models.model_from_json", "keras.saving.model_from_json")
def model_from_json(json_string, custom_objects=None):
    """A model from the JSON written by `model.to_json()` (by torchkeras, Keras 3 or Keras 2)."""
    config = json.loads(json_string)
    return model_from_config(config, custom_objects=custom_objects)


@keras_export("keras.models.model_from_yaml")
def model_from_yaml(yaml_string, custom_objects=None):
    """A model from the YAML written by `model.to_yaml()` (read with PyYAML's safe loader)."""
    from torchkeras.saving import yaml_config

    return model_from_config(yaml_config.load(yaml_string), custom_objects=custom_objects)
