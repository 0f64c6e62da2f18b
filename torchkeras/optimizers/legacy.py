"""`keras.optimizers.legacy`: Keras 2's legacy optimizer names, as aliases of the Keras 3 classes.

Keras 3 raises on these; torchkeras maps them to the current optimizers so that Keras 2 scripts run
(`lr=` is accepted with a deprecation warning and `decay=` is ignored with a warning).
"""
from torchkeras.optimizers.adadelta import Adadelta
from torchkeras.optimizers.adagrad import Adagrad
from torchkeras.optimizers.adam import Adam
from torchkeras.optimizers.adamax import Adamax
from torchkeras.optimizers.base_optimizer import Optimizer
from torchkeras.optimizers.ftrl import Ftrl
from torchkeras.optimizers.nadam import Nadam
from torchkeras.optimizers.rmsprop import RMSprop
from torchkeras.optimizers.sgd import SGD

__all__ = ["Adadelta", "Adagrad", "Adam", "Adamax", "Ftrl", "Nadam", "Optimizer", "RMSprop", "SGD"]
