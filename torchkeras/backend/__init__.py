"""`keras.backend` (`K`): global settings, session state, and Keras 2's tensor helpers (`K.mean`, ...)."""
from torchkeras.api_export import keras_export
from torchkeras.backend.config import backend
from torchkeras.backend.config import epsilon
from torchkeras.backend.config import floatx
from torchkeras.backend.config import image_data_format
from torchkeras.backend.config import keras_home
from torchkeras.backend.config import set_epsilon
from torchkeras.backend.config import set_floatx
from torchkeras.backend.config import set_image_data_format
from torchkeras.backend.config import standardize_data_format
from torchkeras.backend.device import device_scope
from torchkeras.backend.device import get_device
from torchkeras.backend.device import set_device
from torchkeras.backend.dtypes import is_float_dtype
from torchkeras.backend.dtypes import is_int_dtype
from torchkeras.backend.dtypes import result_type
from torchkeras.backend.dtypes import standardize_dtype
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.backend.keras_tensor import is_keras_tensor
from torchkeras.backend.legacy import *  # noqa: F401,F403  Keras 2 `K.*` tensor functions
from torchkeras.backend.naming import get_uid
from torchkeras.backend.naming import name_scope
from torchkeras.backend.variables import Variable
from torchkeras.backend.variables import is_variable

for _name, _fn in [("epsilon", epsilon), ("floatx", floatx), ("image_data_format", image_data_format),
                   ("set_epsilon", set_epsilon), ("set_floatx", set_floatx),
                   ("set_image_data_format", set_image_data_format), ("backend", backend)]:
    keras_export(f"keras.backend.{_name}", f"keras.config.{_name}")(_fn)


@keras_export("keras.backend.clear_session", "keras.utils.clear_session")
def clear_session(free_memory=True):
    """Reset the global state: auto-naming counters (`dense`, `dense_1`, ...) start over."""
    import gc

    from torchkeras.backend import naming
    from torchkeras.backend import phase_state

    naming.reset_uids()
    phase_state.GLOBAL[0] = None  # Keras 2's `K.set_learning_phase` lasts until the session is cleared
    if free_memory:
        gc.collect()
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
