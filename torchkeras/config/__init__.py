"""`keras.config`: global settings (float type, epsilon, image data format, dtype policy) and switches."""
from torchkeras.backend.config import backend
from torchkeras.backend.config import epsilon
from torchkeras.backend.config import floatx
from torchkeras.backend.config import image_data_format
from torchkeras.backend.config import keras_home
from torchkeras.backend.config import set_epsilon
from torchkeras.backend.config import set_floatx
from torchkeras.backend.config import set_image_data_format
from torchkeras.config.flags import disable_flash_attention
from torchkeras.config.flags import disable_interactive_logging
from torchkeras.config.flags import disable_traceback_filtering
from torchkeras.config.flags import enable_flash_attention
from torchkeras.config.flags import enable_interactive_logging
from torchkeras.config.flags import enable_traceback_filtering
from torchkeras.config.flags import is_flash_attention_enabled
from torchkeras.config.flags import is_interactive_logging_enabled
from torchkeras.config.flags import is_nnx_enabled
from torchkeras.config.flags import is_traceback_filtering_enabled
from torchkeras.config.flags import max_epochs
from torchkeras.config.flags import max_steps_per_epoch
from torchkeras.config.flags import set_backend
from torchkeras.config.flags import set_max_epochs
from torchkeras.config.flags import set_max_steps_per_epoch
from torchkeras.dtype_policies import dtype_policy
from torchkeras.dtype_policies import set_dtype_policy
from torchkeras.saving.serialization_lib import enable_unsafe_deserialization

__all__ = [
    "backend", "epsilon", "floatx", "image_data_format", "keras_home", "set_epsilon", "set_floatx",
    "set_image_data_format", "dtype_policy", "set_dtype_policy", "enable_unsafe_deserialization",
    "enable_traceback_filtering", "disable_traceback_filtering", "is_traceback_filtering_enabled",
    "enable_interactive_logging", "disable_interactive_logging", "is_interactive_logging_enabled",
    "enable_flash_attention", "disable_flash_attention", "is_flash_attention_enabled", "max_epochs",
    "set_max_epochs", "max_steps_per_epoch", "set_max_steps_per_epoch", "is_nnx_enabled", "set_backend",
]
