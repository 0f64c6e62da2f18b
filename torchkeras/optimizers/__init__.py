"""`keras.optimizers`: Keras's optimizers with their exact update rules, as `torch.optim.Optimizer`s."""
from torchkeras.api_export import keras_export
from torchkeras.optimizers import experimental
from torchkeras.optimizers import legacy
from torchkeras.optimizers import schedules
from torchkeras.optimizers.adadelta import Adadelta
from torchkeras.optimizers.adafactor import Adafactor
from torchkeras.optimizers.adagrad import Adagrad
from torchkeras.optimizers.adam import Adam
from torchkeras.optimizers.adamax import Adamax
from torchkeras.optimizers.adamw import AdamW
from torchkeras.optimizers.base_optimizer import Optimizer
from torchkeras.optimizers.ftrl import Ftrl
from torchkeras.optimizers.lamb import Lamb
from torchkeras.optimizers.lion import Lion
from torchkeras.optimizers.multi_optimizer import MultiOptimizer, OptimizerMap
from torchkeras.optimizers.muon import Muon
from torchkeras.optimizers.nadam import Nadam
from torchkeras.optimizers.rmsprop import RMSprop
from torchkeras.optimizers.schedule_free_adamw import ScheduleFreeAdamW
from torchkeras.optimizers.sgd import SGD
from torchkeras.optimizers.torch_optimizer import TorchOptimizer

ALL_OBJECTS = (Optimizer, Adam, SGD, RMSprop, Adadelta, AdamW, Adagrad, Adamax, Adafactor, Nadam, Ftrl, Lion,
               Lamb)
ALL_OBJECTS += (Muon, MultiOptimizer, OptimizerMap, ScheduleFreeAdamW)
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in ALL_OBJECTS}


def __getattr__(name):
    # LossScaleOptimizer lives in torchkeras.mixed_precision and subclasses Optimizer: imported on first use.
    if name == "LossScaleOptimizer":
        from torchkeras.mixed_precision.loss_scale_optimizer import LossScaleOptimizer

        return LossScaleOptimizer
    raise AttributeError(f"module 'torchkeras.optimizers' has no attribute '{name}'")


@keras_export("keras.optimizers.serialize")
def serialize(optimizer):
    """Return the Keras 3 config dict of an optimizer (`{"module": "keras.optimizers", ...}`)."""
    from torchkeras.saving import serialization_lib

    return serialization_lib.serialize_keras_object(optimizer)


@keras_export("keras.optimizers.deserialize")
def deserialize(config, custom_objects=None):
    """Rebuild an optimizer from a config dict.

    Accepts Keras 3 configs, Keras 2 ones (`{"class_name": "Adam", "config": {...}}`, also with
    `"Custom>Adam"`, `lr` and `decay`), and built-in class names in any case.
    """
    from torchkeras.saving import serialization_lib

    config = dict(config)
    class_name = config.get("class_name")
    if isinstance(class_name, str):
        if class_name.startswith("Custom>") and class_name[len("Custom>"):].lower() in ALL_OBJECTS_DICT:
            class_name = class_name[len("Custom>"):]
            config.pop("registered_name", None)
        if class_name.lower() in ALL_OBJECTS_DICT:
            class_name = class_name.lower()
            config.pop("module", None)
        config["class_name"] = class_name
    return serialization_lib.deserialize_keras_object(
        config, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects
    )


@keras_export("keras.optimizers.get")
def get(identifier):
    """Return an optimizer from a name (`"adam"`, any case), a config dict, or an optimizer instance."""
    if identifier is None:
        return None
    if isinstance(identifier, Optimizer):
        return identifier
    obj = None
    if isinstance(identifier, dict):
        obj = _try_deserialize(identifier)
    elif isinstance(identifier, str):
        obj = _try_deserialize({"class_name": identifier, "config": {}})
    if isinstance(obj, Optimizer):
        return obj
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")


def _try_deserialize(config):
    try:
        return deserialize(config)
    except TypeError as e:
        if "Could not locate" in str(e):
            return None
        raise


__all__ = [cls.__name__ for cls in ALL_OBJECTS] + ["get", "serialize", "deserialize", "experimental", "legacy",
                                                  "schedules"]
