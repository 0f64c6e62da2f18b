"""Shared helpers of the interop tests: small models and checks for core changes not merged yet."""
import importlib.util

import numpy as np
import torch

import torchkeras as keras


def functional_mlp(units=8, outputs=3, dropout=None, batchnorm=False):
    inputs = keras.Input((4,), name="features")
    x = keras.layers.Dense(units, activation="relu", name="hidden")(inputs)
    if batchnorm:
        x = keras.layers.BatchNormalization(name="bn")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="drop")(x)
    out = keras.layers.Dense(outputs, name="head")(x)
    return keras.Model(inputs, out, name="mlp")


def classification_data(n=32, features=4, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    y = rng.integers(0, classes, size=(n,)).astype("int64")
    return x, y


def regression_data(n=32, features=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    y = (x.sum(axis=1, keepdims=True) * 0.5).astype("float32")
    return x, y


def layer_forward_has_policy_hook():
    """True once `Layer.forward` runs layers under their dtype policy (the core change for mixed precision)."""
    keras.mixed_precision.set_global_policy("float32")
    layer = keras.layers.Dense(2, dtype="mixed_bfloat16")
    out = layer(torch.ones(1, 3))
    return out.dtype == torch.bfloat16


def trainer_has_distributed_hooks():
    from torchkeras.trainers import trainer

    return hasattr(trainer, "distributed")


def compile_wraps_loss_scale():
    """True once `compile` wraps the optimizer in a LossScaleOptimizer under `mixed_float16`."""
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)], dtype="mixed_float16")
    model.compile("sgd", "mse")
    return type(model.optimizer).__name__ == "LossScaleOptimizer"


def losses_get_handles_torch_losses():
    from torchkeras import losses
    from torchkeras.losses.torch_loss import TorchLossWrapper

    try:
        return isinstance(losses.get(torch.nn.MSELoss()), TorchLossWrapper)
    except ValueError:
        return False


def metrics_get_handles_torch_metrics():
    from torchkeras import metrics
    from torchkeras.metrics.torch_metric import TorchMetricWrapper

    class Probe:
        def update(self, preds, target):
            pass

        def compute(self):
            return 0.0

        def reset(self):
            pass

    try:
        return isinstance(metrics.get(Probe()), TorchMetricWrapper)
    except ValueError:
        return False


def model_has_export():
    return hasattr(keras.Model, "export")


def onnx_installed():
    return importlib.util.find_spec("onnx") is not None
