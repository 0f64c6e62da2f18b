"""`keras.optimizers.schedules`: learning-rate schedules, evaluated at the optimizer's step."""
from torchkeras.api_export import namespace as _namespace
from torchkeras.optimizers.schedules.cosine_decay import CosineDecay
from torchkeras.optimizers.schedules.cosine_decay_restarts import CosineDecayRestarts
from torchkeras.optimizers.schedules.exponential_decay import ExponentialDecay
from torchkeras.optimizers.schedules.inverse_time_decay import InverseTimeDecay
from torchkeras.optimizers.schedules.learning_rate_schedule import LearningRateSchedule
from torchkeras.optimizers.schedules.learning_rate_schedule import deserialize
from torchkeras.optimizers.schedules.learning_rate_schedule import serialize
from torchkeras.optimizers.schedules.piecewise_constant_decay import PiecewiseConstantDecay
from torchkeras.optimizers.schedules.polynomial_decay import PolynomialDecay

ALL_OBJECTS_DICT = {
    cls.__name__: cls
    for cls in (
        LearningRateSchedule,
        ExponentialDecay,
        PiecewiseConstantDecay,
        PolynomialDecay,
        InverseTimeDecay,
        CosineDecay,
        CosineDecayRestarts,
    )
}

__getattr__, __dir__, __all__ = _namespace(__name__)
