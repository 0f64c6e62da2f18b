"""YAML model configs (`model.to_yaml()`, `keras.models.model_from_yaml`), as Keras 2 tutorials use them.

Reading uses PyYAML's safe loader: a YAML file can't construct Python objects.
"""
import json


def _yaml():
    try:
        import yaml
    except ImportError:
        raise ImportError("YAML configs need PyYAML: `pip install pyyaml`.") from None
    return yaml


def model_to_yaml(model, **kwargs):
    from torchkeras.saving import serialization_lib

    config = json.loads(json.dumps(serialization_lib.serialize_keras_object(model)))
    return _yaml().safe_dump(config, **kwargs)


def load(yaml_string):
    """Parse YAML with PyYAML's safe loader, refusing alias bombs and deep nesting (see `limits`)."""
    from torchkeras.saving import limits

    return limits.parse_yaml(yaml_string)
