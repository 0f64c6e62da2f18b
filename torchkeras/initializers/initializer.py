"""`keras.initializers.Initializer`: the base class of all initializers."""
from torchkeras.api_export import keras_export
from torchkeras.backend import dtypes
from torchkeras.backend.device import get_device


@keras_export("keras.initializers.Initializer", "keras.Initializer")
class Initializer:
    """Base class: an initializer is called as `initializer(shape, dtype=None)` and returns a tensor.

    Subclasses implement `__call__(self, shape, dtype=None)` and, when they take arguments, `get_config()`.
    The default `from_config()` calls the constructor with the config as keyword arguments.
    """

    def __call__(self, shape, dtype=None):
        raise NotImplementedError("Initializer subclasses must implement the `__call__()` method.")

    def get_config(self):
        """The initializer's configuration as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Instantiate an initializer from the output of `get_config()`.

        A `dtype` entry (written by TF 1.x-era tf.keras, which Keras 3 no longer has) is ignored.
        """
        config = {k: v for k, v in config.items() if k != "dtype"}
        return cls(**config)

    def clone(self):
        return self.__class__.from_config(self.get_config())

    def __repr__(self):
        return f"<{type(self).__name__} {self.get_config()}>"


def resolve_dtype(dtype):
    """The torch dtype for a Keras dtype argument (None means `keras.config.floatx()`)."""
    return dtypes.to_torch_dtype(dtypes.standardize_dtype(dtype))


def resolve_shape(shape):
    """`shape` as a tuple of Python ints, with a clear error for anything else."""
    if isinstance(shape, int):
        shape = (shape,)
    try:
        return tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise ValueError(
            f"Initializers expect `shape` to be a tuple of integers, e.g. (3, 4). Received: shape={shape}"
        ) from None


def target_device():
    """Where initializers create their values: the default device (`torchkeras.backend.get_device()`)."""
    return get_device()
