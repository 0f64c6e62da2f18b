"""`keras.constraints.Constraint`: the base class (the identity constraint)."""
from torchkeras.api_export import keras_export


@keras_export("keras.constraints.Constraint")
class Constraint:
    """Base class: a constraint maps a weight tensor to its projected value, `c(w) -> w'`.

    Optimizers apply it after each update (`variable.assign(constraint(variable))`). Subclasses implement
    `__call__(self, w)` and, when they take arguments, `get_config()`.
    """

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
