"""`keras.optimizers.schedules.LearningRateSchedule`: the base class of learning-rate schedules.

A schedule is called with the optimizer's step (`optimizer._iterations`, counted from 0) and returns the
learning rate for that step. Built-in schedules compute the value on the host, in Python, so that the
optimizer can read it every step without touching a device: they implement `_compute(step) -> float`, and
calling the schedule returns that value as a 0-dim float32 tensor, like Keras.
"""
import numpy as np
import torch

from torchkeras.api_export import keras_export


@keras_export("keras.optimizers.schedules.LearningRateSchedule")
class LearningRateSchedule:
    """The learning rate schedule base class.

    Subclass it and implement `__call__(self, step)` (returning the learning rate for `step`) and
    `get_config()`. Pass an instance as the `learning_rate` of any optimizer.
    """

    def __call__(self, step):
        compute = getattr(self, "_compute", None)
        if compute is None:
            raise NotImplementedError(
                f"Learning rate schedule '{self.__class__.__name__}' must override `__call__(self, step)`."
            )
        return torch.tensor(compute(_step_value(step)), dtype=torch.float32)

    def get_config(self):
        raise NotImplementedError(
            f"Learning rate schedule '{self.__class__.__name__}' must override `get_config()` in order to be "
            "serializable."
        )

    @classmethod
    def from_config(cls, config):
        """Instantiate a schedule from the output of `get_config()`."""
        return cls(**config)


def _step_value(step):
    """The step as a Python number (it may arrive as an int, a float, or a 0-dim tensor / Variable)."""
    if isinstance(step, (int, float)):
        return step
    if isinstance(step, torch.Tensor):
        return step.item()
    return float(step)


def host_learning_rate(schedule, step, step_variable=None):
    """The learning rate of `schedule` at `step` as a Python float (rounded to float32, like Keras's value).

    Built-in schedules are evaluated on the host directly. A user schedule is called like Keras calls it
    (with the optimizer's iteration variable when given) and its result converted to a float.
    """
    if type(schedule).__call__ is LearningRateSchedule.__call__ and hasattr(schedule, "_compute"):
        return float(np.float32(schedule._compute(step)))
    value = schedule(step_variable if step_variable is not None else step)
    if isinstance(value, torch.Tensor):
        return value.item()
    return float(value)


def check_decay_steps(value, argument="decay_steps"):
    if value <= 0:
        raise ValueError(f"Argument `{argument}` must be > 0. Received: {argument}={value}")


@keras_export("keras.optimizers.schedules.serialize")
def serialize(learning_rate_schedule):
    """Return the Keras 3 config dict of a schedule (`{"module", "class_name", "config", ...}`)."""
    from torchkeras.saving import serialization_lib

    return serialization_lib.serialize_keras_object(learning_rate_schedule)


@keras_export("keras.optimizers.schedules.deserialize")
def deserialize(config, custom_objects=None):
    """Rebuild a schedule from `serialize()`'s output (or a Keras 2 `{"class_name", "config"}` dict)."""
    from torchkeras.optimizers import schedules
    from torchkeras.saving import serialization_lib

    return serialization_lib.deserialize_keras_object(
        config,
        module_objects=schedules.ALL_OBJECTS_DICT,
        custom_objects=custom_objects,
        printable_module_name="decay",
    )
