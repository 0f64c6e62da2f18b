"""`keras.utils`.

Names resolve lazily, so that importing a small helper module from this package does not import the
trainers, the saving code or matplotlib.
"""
import importlib

_NAMES = {
    "CustomObjectScope": "torchkeras.saving.serialization_lib",
    "custom_object_scope": "torchkeras.saving.serialization_lib",
    "deserialize_keras_object": "torchkeras.saving.serialization_lib",
    "get_custom_objects": "torchkeras.saving.serialization_lib",
    "get_registered_name": "torchkeras.saving.serialization_lib",
    "get_registered_object": "torchkeras.saving.serialization_lib",
    "register_keras_serializable": "torchkeras.saving.serialization_lib",
    "serialize_keras_object": "torchkeras.saving.serialization_lib",
    "pack_x_y_sample_weight": "torchkeras.trainers.data_adapters.data_adapter_utils",
    "unpack_x_y_sample_weight": "torchkeras.trainers.data_adapters.data_adapter_utils",
    "audio_dataset_from_directory": "torchkeras.utils.audio_dataset_utils",
    "FeatureSpace": "torchkeras.layers.preprocessing.feature_space",
    "image_dataset_from_directory": "torchkeras.utils.dataset_utils",
    "split_dataset": "torchkeras.utils.dataset_utils",
    "text_dataset_from_directory": "torchkeras.utils.dataset_utils",
    "timeseries_dataset_from_array": "torchkeras.utils.dataset_utils",
    "get_file": "torchkeras.utils.file_utils",
    "array_to_img": "torchkeras.utils.image_utils",
    "img_to_array": "torchkeras.utils.image_utils",
    "load_img": "torchkeras.utils.image_utils",
    "save_img": "torchkeras.utils.image_utils",
    "model_to_dot": "torchkeras.utils.model_visualization",
    "plot_model": "torchkeras.utils.model_visualization",
    "normalize": "torchkeras.utils.numerical_utils",
    "to_categorical": "torchkeras.utils.numerical_utils",
    "plot_history": "torchkeras.utils.plot_history",
    "Progbar": "torchkeras.utils.progbar",
    "PyDataset": "torchkeras.utils.py_dataset",
    "Sequence": "torchkeras.utils.py_dataset:PyDataset",
    "set_random_seed": "torchkeras.utils.rng_utils",
    "pad_sequences": "torchkeras.utils.sequence_utils",
    "clear_session": "torchkeras.backend",
    "get_source_inputs": "torchkeras.utils.layer_utils",
    # Keras 2 names of `keras.utils`.
    "HDF5Matrix": "torchkeras.utils.hdf5_matrix",
    "convert_all_kernels_in_model": "torchkeras.utils.layer_utils",
    "print_summary": "torchkeras.utils.summary_utils",
}
# Keras 2 module paths: `keras.utils.np_utils.to_categorical`, `keras.utils.generic_utils.*`, ...
_MODULES = {name: f"torchkeras.utils.{name}" for name in (
    "np_utils", "generic_utils", "data_utils", "vis_utils", "layer_utils", "conv_utils", "io_utils")}
_MODULES["bounding_boxes"] = "torchkeras.utils.bounding_boxes"

__all__ = sorted(_NAMES)


def __getattr__(name):
    if name in _NAMES:
        module, _, attr = _NAMES[name].partition(":")
        value = getattr(importlib.import_module(module), attr or name)
        globals()[name] = value
        return value
    if name in _MODULES:
        return importlib.import_module(_MODULES[name])
    raise AttributeError(f"module 'torchkeras.utils' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | set(_NAMES) | set(_MODULES))
