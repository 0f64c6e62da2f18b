"""`keras.layers.Wrapper`: the base class of layers that wrap another layer (`TimeDistributed`, ...)."""
from torchkeras.api_export import keras_export
from torchkeras.layers.layer import Layer
from torchkeras.layers.recurrent import rnn_utils
from torchkeras.saving import serialization_lib


@keras_export("keras.layers.Wrapper")
class Wrapper(Layer):
    """Abstract wrapper base class: holds `self.layer` and augments it. Not usable on its own."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Layer {layer} supplied to Wrapper isn't a supported layer type. Please ensure wrapped layer is "
                "a valid Keras layer."
            )
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        rnn_utils.build_sublayer(self.layer, input_shape, parent=self)
        self.built = True

    def get_config(self):
        config = super().get_config()
        config["layer"] = serialization_lib.serialize_keras_object(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = serialization_lib.deserialize_keras_object(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)
