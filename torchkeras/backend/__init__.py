"""`keras.backend` (`K`): global settings, session state, and Keras 2's tensor helpers (`K.mean`, ...)."""
from torchkeras.api_export import keras_export
from torchkeras.api_export import namespace
from torchkeras.backend import legacy as _legacy
from torchkeras.backend.config import backend
from torchkeras.backend.config import epsilon
from torchkeras.backend.config import floatx
from torchkeras.backend.config import image_data_format
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

keras_export("keras.KerasTensor")(KerasTensor)
keras_export("keras.backend.is_keras_tensor", "keras.utils.is_keras_tensor")(is_keras_tensor)
keras_export("keras.Variable")(Variable)
keras_export("keras.device")(device_scope)
keras_export("keras.name_scope")(name_scope)
keras_export("keras.backend.get_uid")(get_uid)
keras_export("keras.backend.standardize_dtype", "keras.utils.standardize_dtype")(standardize_dtype)
keras_export("keras.backend.is_float_dtype")(is_float_dtype)
keras_export("keras.backend.is_int_dtype")(is_int_dtype)


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


# Keras 2's `K.*` functions are listed too: `from keras import backend as K` scripts use them.
__getattr__, __dir__, __all__ = namespace(__name__, extra=_legacy.__all__)
