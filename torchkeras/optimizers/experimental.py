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

keras_export("keras.optimizers.experimental.Adadelta")(Adadelta)
keras_export("keras.optimizers.experimental.Adafactor")(Adafactor)
keras_export("keras.optimizers.experimental.Adagrad")(Adagrad)
keras_export("keras.optimizers.experimental.Adam")(Adam)
keras_export("keras.optimizers.experimental.Adamax")(Adamax)
keras_export("keras.optimizers.experimental.AdamW")(AdamW)
keras_export("keras.optimizers.experimental.Ftrl")(Ftrl)
keras_export("keras.optimizers.experimental.Lion")(Lion)
keras_export("keras.optimizers.experimental.Nadam")(Nadam)
keras_export("keras.optimizers.experimental.Optimizer")(Optimizer)
keras_export("keras.optimizers.experimental.RMSprop")(RMSprop)
keras_export("keras.optimizers.experimental.SGD")(SGD)
