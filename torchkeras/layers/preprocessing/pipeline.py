"""`keras.layers.Pipeline`: apply a sequence of preprocessing layers."""
from torchkeras.api_export import keras_export
from torchkeras.layers.layer import Layer
from torchkeras.layers.layer import call_signature_info
from torchkeras.utils import tree


@keras_export("keras.layers.Pipeline")
class Pipeline(Layer):
    """Call `layers` one after another on the input (images, or dicts of images, labels, bounding boxes and
    segmentation masks), passing `training` and masks along. Unlike `Sequential`, a `Pipeline` is a layer
    that works on any structure its layers accept."""

    def __init__(self, layers, name=None):
        super().__init__(name=name)
        self._pipeline_layers = layers

    @property
    def layers(self):
        return self._pipeline_layers

    def call(self, inputs, training=True, mask=None):
        training = True if training is None else training
        outputs = inputs
        for layer in self._pipeline_layers:
            has_training, has_mask, _, _ = call_signature_info(layer)
            kwargs = {}
            if has_mask:
                kwargs["mask"] = mask
            if has_training and training is not None:
                kwargs["training"] = training
            outputs = layer(inputs, **kwargs)
            inputs = outputs
            mask = tree.map_structure(lambda x: getattr(x, "_keras_mask", None), outputs)
        return outputs

    @classmethod
    def from_config(cls, config):
        from torchkeras.saving.serialization_lib import deserialize_keras_object

        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError(
                "`Pipeline` config must contain a `layers` key mapping to a list of serialized layers. Received "
                f"config with layers={layers}.")
        config = dict(config)
        config["layers"] = [deserialize_keras_object(x) for x in layers]
        return cls(**config)

    def get_config(self):
        from torchkeras.saving.serialization_lib import serialize_keras_object

        return {"layers": serialize_keras_object(self._pipeline_layers), "name": self.name}
