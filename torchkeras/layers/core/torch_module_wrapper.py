"""`keras.layers.TorchModuleWrapper`: use any `torch.nn.Module` as a Keras layer."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.layer import Layer


@keras_export("keras.layers.TorchModuleWrapper")
class TorchModuleWrapper(Layer):
    """Wraps a torch module: its parameters become the layer's weights (trained by `fit`, counted by
    `summary()`, saved by `save_weights`), and `training` switches its `train()`/`eval()` mode."""

    def __init__(self, module, name=None, output_shape=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if not isinstance(module, torch.nn.Module):
            raise ValueError(f"`module` must be a `torch.nn.Module`. Received: module={module} of type "
                             f"{type(module)}")
        self.module = module
        self._output_shape = output_shape
        self.module.eval()
        self.built = not _has_lazy_parameters(module)

    def call(self, *args, training=None, **kwargs):
        if self.module.training != bool(training):
            self.module.train(bool(training))
        return self.module(*args, **kwargs)

    def build(self, input_shape=None):
        self.built = True

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            raise NotImplementedError
        return (input_shape[0],) + tuple(self._output_shape)

    def get_config(self):
        raise NotImplementedError(
            "TorchModuleWrapper cannot be serialized to a config: the torch module's code is not part of a "
            "Keras file. Save the weights (`save_weights`) and rebuild the model in code."
        )


def _has_lazy_parameters(module):
    return any(isinstance(p, torch.nn.parameter.UninitializedParameter) for p in module.parameters())
