"""`keras.saving`: save and load models and weights in every Keras format, and (de)serialize objects.

`save_model`/`load_model` write and read `.keras` archives and legacy `.h5` files; `save_weights`/
`load_weights` handle `.weights.h5` (Keras 3) and `.h5` (Keras 2) weights. Custom classes are found through
`custom_objects=`, `custom_object_scope` or `@register_keras_serializable()`. Names resolve on first use.
"""
from torchkeras.api_export import namespace as _namespace

__getattr__, __dir__, __all__ = _namespace(__name__)
