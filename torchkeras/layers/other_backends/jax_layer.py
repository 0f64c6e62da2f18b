"""`keras.layers.JaxLayer` and `keras.layers.FlaxLayer`: wrappers of JAX functions and Flax modules.

They exist in Keras's namespace on every backend but work only on JAX and TensorFlow; on torchkeras (PyTorch)
constructing one raises, as Keras 3 does on its torch backend, and names what to use instead.
"""
from torchkeras.api_export import keras_export
from torchkeras.layers.layer import Layer

_ALTERNATIVE = ("torchkeras runs on PyTorch: wrap a `torch.nn.Module` with `keras.layers.TorchModuleWrapper`, "
                "or write the computation as a Keras layer (`call` with `keras.ops`).")


@keras_export("keras.layers.JaxLayer")
class JaxLayer(Layer):
    """Keras layer that wraps a JAX model (JAX and TensorFlow backends only)."""

    def __init__(self, call_fn=None, init_fn=None, params=None, state=None, seed=None, **kwargs):
        raise ValueError(f"{type(self).__name__} is only supported with the JAX or Tensorflow backend. "
                         f"Current backend: torch. {_ALTERNATIVE}")


@keras_export("keras.layers.FlaxLayer")
class FlaxLayer(JaxLayer):
    """Keras layer that wraps a Flax module (JAX and TensorFlow backends only)."""

    def __init__(self, module=None, method=None, variables=None, **kwargs):
        super().__init__(**kwargs)
