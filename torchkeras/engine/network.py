"""Keras 2's `keras.engine.network` module path: `Network` (today's `Model`) and `get_source_inputs`."""
from torchkeras.models.model import Model as Network  # noqa: F401
from torchkeras.utils.keras2_paths import warn_once
from torchkeras.utils.layer_utils import get_source_inputs  # noqa: F401

warn_once("keras.engine.network", "keras.Model and keras.utils.get_source_inputs")
