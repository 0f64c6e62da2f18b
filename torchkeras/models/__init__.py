"""`keras.models`: Model, Sequential, load/save, cloning and config helpers."""
from torchkeras.models.model import Model
from torchkeras.models.functional import Functional
from torchkeras.models.sequential import Sequential
from torchkeras.models.cloning import clone_model
from torchkeras.models.config_api import model_from_config, model_from_json, model_from_yaml


def __getattr__(name):
    if name in ("load_model", "save_model"):
        from torchkeras.saving import saving_api

        return getattr(saving_api, name)
    raise AttributeError(f"module 'torchkeras.models' has no attribute '{name}'")

__all__ = ["Model", "Functional", "Sequential", "clone_model", "model_from_config", "model_from_json",
           "model_from_yaml", "load_model", "save_model"]
