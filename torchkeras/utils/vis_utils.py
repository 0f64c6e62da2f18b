"""Keras 2's `keras.utils.vis_utils` module path: `model_to_dot`, `plot_model`."""
from torchkeras.utils.keras2_paths import warn_once
from torchkeras.utils.model_visualization import model_to_dot, plot_model  # noqa: F401

warn_once("keras.utils.vis_utils", "keras.utils.plot_model and keras.utils.model_to_dot")


def is_model(layer):
    """Whether `layer` is a `keras.Model`."""
    from torchkeras.models.model import Model

    return isinstance(layer, Model)


def is_wrapped_model(layer):
    """Whether `layer` is a wrapper (e.g. `TimeDistributed`) around a model."""
    from torchkeras.layers.recurrent.wrapper import Wrapper

    return isinstance(layer, Wrapper) and is_model(layer.layer)
