"""torchkeras: the Keras API, running natively on PyTorch.

`import torchkeras as keras` and keep going: layers and models are `torch.nn.Module`s, training runs on
torch autograd and torch optimizers with Keras's exact math, and models read and write Keras files.
"""
import importlib

from torchkeras.version import __version__

_SUBMODULES = (
    "activations", "applications", "backend", "callbacks", "config", "constraints", "datasets", "distribute",
    "dtype_policies",
    "export", "initializers", "layers", "losses", "metrics", "mixed_precision", "models", "ops", "optimizers",
    "preprocessing", "random", "regularizers", "saving", "trainers", "tree", "utils", "visualization", "wrappers",
)
_ATTRS = {
    "Input": ("torchkeras.layers.core.input_layer", "Input"),
    "InputSpec": ("torchkeras.layers.input_spec", "InputSpec"),
    "Layer": ("torchkeras.layers.layer", "Layer"),
    "Model": ("torchkeras.models.model", "Model"),
    "Sequential": ("torchkeras.models.sequential", "Sequential"),
    "Variable": ("torchkeras.backend.variables", "Variable"),
    "KerasTensor": ("torchkeras.backend.keras_tensor", "KerasTensor"),
    "DTypePolicy": ("torchkeras.dtype_policies", "DTypePolicy"),
    "Operation": ("torchkeras.ops.operation", "Operation"),
    "Optimizer": ("torchkeras.optimizers.base_optimizer", "Optimizer"),
    "Loss": ("torchkeras.losses.loss", "Loss"),
    "Metric": ("torchkeras.metrics.metric", "Metric"),
    "Initializer": ("torchkeras.initializers.initializer", "Initializer"),
    "Regularizer": ("torchkeras.regularizers.regularizer", "Regularizer"),
    "Constraint": ("torchkeras.constraints.constraint", "Constraint"),
    "Function": ("torchkeras.ops.operation", "Operation"),
    "StatelessScope": ("torchkeras.backend.stateless_scope", "StatelessScope"),
    "device": ("torchkeras.backend.device", "device_scope"),
    "name_scope": ("torchkeras.backend.naming", "name_scope"),
    "version": ("torchkeras.version", "__version__"),
}


def __getattr__(name):
    if name in _SUBMODULES:
        module = importlib.import_module(f"torchkeras.{name}")
        globals()[name] = module
        return module
    if name in _ATTRS:
        module_name, attr = _ATTRS[name]
        value = getattr(importlib.import_module(module_name), attr)
        if name == "version":
            value = value
        globals()[name] = value
        return value
    raise AttributeError(f"module 'torchkeras' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES) | set(_ATTRS))
