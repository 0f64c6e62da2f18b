"""`keras.saving`: save and load models and weights in every Keras format, and (de)serialize objects.

`save_model`/`load_model` write and read `.keras` archives and legacy `.h5` files; `save_weights`/
`load_weights` handle `.weights.h5` (Keras 3) and `.h5` (Keras 2) weights. Custom classes are found through
`custom_objects=`, `custom_object_scope` or `@register_keras_serializable()`.
"""
from torchkeras.saving.file_editor import KerasFileEditor
from torchkeras.saving.saving_api import load_model
from torchkeras.saving.saving_api import load_weights
from torchkeras.saving.saving_api import save_model
from torchkeras.saving.saving_api import save_weights
from torchkeras.saving.serialization_lib import CustomObjectScope
from torchkeras.saving.serialization_lib import custom_object_scope
from torchkeras.saving.serialization_lib import deserialize_keras_object
from torchkeras.saving.serialization_lib import get_custom_objects
from torchkeras.saving.serialization_lib import get_registered_name
from torchkeras.saving.serialization_lib import get_registered_object
from torchkeras.saving.serialization_lib import register_keras_serializable
from torchkeras.saving.serialization_lib import serialize_keras_object

__all__ = [
    "KerasFileEditor",
    "CustomObjectScope",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "load_model",
    "load_weights",
    "register_keras_serializable",
    "save_model",
    "save_weights",
    "serialize_keras_object",
]
