"""`keras.utils`."""
from torchkeras.saving.serialization_lib import CustomObjectScope
from torchkeras.saving.serialization_lib import custom_object_scope
from torchkeras.saving.serialization_lib import deserialize_keras_object
from torchkeras.saving.serialization_lib import get_custom_objects
from torchkeras.saving.serialization_lib import get_registered_name
from torchkeras.saving.serialization_lib import get_registered_object
from torchkeras.saving.serialization_lib import register_keras_serializable
from torchkeras.saving.serialization_lib import serialize_keras_object
from torchkeras.trainers.data_adapters.data_adapter_utils import pack_x_y_sample_weight
from torchkeras.utils.dataset_utils import image_dataset_from_directory
from torchkeras.utils.dataset_utils import split_dataset
from torchkeras.utils.dataset_utils import text_dataset_from_directory
from torchkeras.utils.dataset_utils import timeseries_dataset_from_array
from torchkeras.utils.file_utils import get_file
from torchkeras.utils.image_utils import array_to_img
from torchkeras.utils.image_utils import img_to_array
from torchkeras.utils.image_utils import load_img
from torchkeras.utils.image_utils import save_img
from torchkeras.utils.sequence_utils import pad_sequences
from torchkeras.trainers.data_adapters.data_adapter_utils import unpack_x_y_sample_weight
from torchkeras.utils.model_visualization import model_to_dot
from torchkeras.utils.model_visualization import plot_model
from torchkeras.utils.numerical_utils import normalize
from torchkeras.utils.plot_history import plot_history
from torchkeras.utils.numerical_utils import to_categorical
from torchkeras.utils.progbar import Progbar
from torchkeras.utils.py_dataset import PyDataset
from torchkeras.utils.py_dataset import PyDataset as Sequence
from torchkeras.utils.rng_utils import set_random_seed


def __getattr__(name):
    # Keras 2 module paths: `keras.utils.np_utils.to_categorical`, `keras.utils.generic_utils.*`.
    import importlib

    aliases = {"np_utils": "torchkeras.utils.numerical_utils", "generic_utils": "torchkeras.utils.generic_utils",
               "data_utils": "torchkeras.utils.data_utils"}
    if name in aliases:
        return importlib.import_module(aliases[name])
    raise AttributeError(f"module 'torchkeras.utils' has no attribute '{name}'")
