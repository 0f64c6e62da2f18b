"""Hinge metrics: the mean hinge, squared hinge and categorical hinge losses over all samples seen."""
from torchkeras.api_export import keras_export
from torchkeras.losses.hinge_losses import categorical_hinge
from torchkeras.losses.hinge_losses import hinge
from torchkeras.losses.hinge_losses import squared_hinge
from torchkeras.metrics.reduction_metrics import MeanMetricWrapper


@keras_export("keras.metrics.Hinge")
class Hinge(MeanMetricWrapper):
    """Mean hinge loss (labels -1/1; 0/1 labels are converted)."""

    _direction = "down"

    def __init__(self, name="hinge", dtype=None):
        super().__init__(fn=hinge, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@keras_export("keras.metrics.SquaredHinge")
class SquaredHinge(MeanMetricWrapper):
    """Mean squared hinge loss (labels -1/1; 0/1 labels are converted)."""

    _direction = "down"

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(fn=squared_hinge, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@keras_export("keras.metrics.CategoricalHinge")
class CategoricalHinge(MeanMetricWrapper):
    """Mean categorical hinge loss between one-hot labels and predictions."""

    _direction = "down"

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(fn=categorical_hinge, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}
