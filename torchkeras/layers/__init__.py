"""`keras.layers`: every layer class (grouped by family in sub-packages), resolved on first use, and
`serialize` / `deserialize`."""
from torchkeras.api_export import keras_export
from torchkeras.api_export import namespace as _namespace


@keras_export("keras.layers.serialize")
def serialize(layer):
    """Return the layer configuration as a Python dict (`{"module", "class_name", "config", ...}`)."""
    from torchkeras.saving import serialization_lib

    return serialization_lib.serialize_keras_object(layer)


@keras_export("keras.layers.deserialize")
def deserialize(config, custom_objects=None):
    """Return a Keras layer object from its configuration (as `serialize` writes it)."""
    from torchkeras.layers.layer import Layer
    from torchkeras.saving import serialization_lib

    obj = serialization_lib.deserialize_keras_object(config, custom_objects=custom_objects)
    if not isinstance(obj, Layer):
        raise ValueError(
            "`keras.layers.deserialize` was passed a `config` object that is not a `keras.layers.Layer`. "
            f"Received: {config}"
        )
    return obj


__getattr__, __dir__, __all__ = _namespace(__name__)
