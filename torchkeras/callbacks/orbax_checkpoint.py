"""`keras.callbacks.OrbaxCheckpoint`: checkpoints through Orbax, a JAX library."""
from torchkeras.api_export import keras_export
from torchkeras.callbacks.callback import Callback


@keras_export("keras.callbacks.OrbaxCheckpoint")
class OrbaxCheckpoint(Callback):
    """Saves the model and optimizer state with Orbax (needs the `orbax-checkpoint` package and JAX)."""

    def __init__(self, directory=None, *args, **kwargs):
        raise ImportError(
            "OrbaxCheckpoint requires the 'orbax-checkpoint' package, a JAX library that torchkeras (PyTorch) "
            "does not use. Use `keras.callbacks.ModelCheckpoint` to save models or weights, or "
            "`keras.callbacks.BackupAndRestore` to resume interrupted training.")
