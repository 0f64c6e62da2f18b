"""`keras.layers.TFSMLayer`: reloads a TensorFlow SavedModel as a layer (TensorFlow backend only)."""
from torchkeras.api_export import keras_export
from torchkeras.layers.layer import Layer


@keras_export("keras.layers.TFSMLayer")
class TFSMLayer(Layer):
    """Reload a Keras model/layer that was saved via SavedModel / ExportArchive (TensorFlow backend only)."""

    def __init__(self, filepath=None, call_endpoint="serve", call_training_endpoint=None, trainable=True,
                 name=None, dtype=None):
        raise NotImplementedError(
            "The TFSMLayer is only currently supported with the TensorFlow backend. torchkeras reads Keras "
            "files (`.keras`, `.h5`, `.weights.h5`) with `keras.models.load_model` / `load_weights`, and loads "
            "`torch.export` programs with `torch.export.load`.")
