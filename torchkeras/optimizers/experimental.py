"""`keras.optimizers.experimental`: the Keras 2.11-2.15 names of the (then new) optimizers.

Those are today's optimizers, so the names are aliases of the same classes (Keras 2 scripts use
`keras.optimizers.experimental.AdamW` and friends).
"""
from torchkeras.api_export import keras_export
from torchkeras.optimizers.adadelta import Adadelta
from torchkeras.optimizers.adafactor import Adafactor
from torchkeras.optimizers.adagrad import Adagrad
from torchkeras.optimizers.adam import Adam
from torchkeras.optimizers.adamax import Adamax
from torchkeras.optimizers.adamw import AdamW
from torchkeras.optimizers.base_optimizer import Optimizer
from torchkeras.optimizers.ftrl import Ftrl
from torchkeras.optimizers.lion import Lion
from torchkeras.optimizers.nadam import Nadam
from torchkeras.optimizers.rmsprop import RMSprop
from torchkeras.optimizers.sgd import SGD

__all__ = ["Adadelta", "Adafactor", "Adagrad", "Adam", "Adamax", "AdamW", "Ftrl", "Lion", "Nadam", "Optimizer",
           "RMSprop", "SGD"]

for _name in __all__:
    keras_export(f"keras.optimizers.experimental.{_name}")(globals()[_name])
