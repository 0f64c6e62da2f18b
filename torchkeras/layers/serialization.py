"""`keras.layers.serialize` / `keras.layers.deserialize`: a layer to and from its Keras config dict."""
from torchkeras.api_export import keras_export


@keras_export("keras.layers.serialize")
def serialize(layer):
    """Return the layer's configuration as a dict (`{"module", "class_name", "config", ...}`)."""
    from torchkeras.saving import serialization_lib

    return serialization_lib.serialize_keras_object(layer)


@keras_export("keras.layers.deserialize")
def deserialize(config, custom_objects=None):
    """Return the layer that `config` describes (a `serialize()` dict, Keras 2 configs too)."""
    from torchkeras.layers.layer import Layer
    from torchkeras.saving import serialization_lib

    obj = serialization_lib.deserialize_keras_object(config, custom_objects=custom_objects)
    if not isinstance(obj, Layer):
        raise ValueError(
            "`keras.layers.deserialize` was passed a `config` object that is not a `keras.layers.Layer`. "
            f"Received: {config}"
        )
    return obj
