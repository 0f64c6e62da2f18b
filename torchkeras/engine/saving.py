"""Keras 2's `keras.engine.saving` module path: model saving and loading."""
from torchkeras.models.config_api import model_from_config, model_from_json, model_from_yaml  # noqa: F401
from torchkeras.saving.saving_api import load_model, save_model  # noqa: F401
from torchkeras.utils.keras2_paths import warn_once

warn_once("keras.engine.saving", "keras.models.load_model, keras.models.save_model and keras.models.model_from_*")
