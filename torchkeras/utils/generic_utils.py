"""Keras 2's `keras.utils.generic_utils` module path."""
from torchkeras.saving.serialization_lib import CustomObjectScope  # noqa: F401
from torchkeras.saving.serialization_lib import custom_object_scope  # noqa: F401
from torchkeras.saving.serialization_lib import deserialize_keras_object  # noqa: F401
from torchkeras.saving.serialization_lib import get_custom_objects  # noqa: F401
from torchkeras.saving.serialization_lib import get_registered_name  # noqa: F401
from torchkeras.saving.serialization_lib import get_registered_object  # noqa: F401
from torchkeras.saving.serialization_lib import register_keras_serializable  # noqa: F401
from torchkeras.saving.serialization_lib import serialize_keras_object  # noqa: F401
from torchkeras.utils.progbar import Progbar  # noqa: F401
from torchkeras.utils.python_utils import func_dump, func_load  # noqa: F401
