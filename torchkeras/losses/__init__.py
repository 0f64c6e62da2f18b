"""`keras.losses`: every built-in Keras 3 loss, as a class (`MeanSquaredError()`) and as a function of
per-sample values (`mean_squared_error`), plus `get`, `serialize` and `deserialize`."""
from torchkeras.losses.circle_loss import Circle
from torchkeras.losses.circle_loss import circle
from torchkeras.losses.crossentropy import BinaryCrossentropy
from torchkeras.losses.crossentropy import BinaryFocalCrossentropy
from torchkeras.losses.crossentropy import CategoricalCrossentropy
from torchkeras.losses.crossentropy import CategoricalFocalCrossentropy
from torchkeras.losses.crossentropy import SparseCategoricalCrossentropy
from torchkeras.losses.crossentropy import binary_crossentropy
from torchkeras.losses.crossentropy import binary_focal_crossentropy
from torchkeras.losses.crossentropy import categorical_crossentropy
from torchkeras.losses.crossentropy import categorical_focal_crossentropy
from torchkeras.losses.crossentropy import sparse_categorical_crossentropy
from torchkeras.losses.ctc_loss import CTC
from torchkeras.losses.ctc_loss import ctc
from torchkeras.losses.hinge_losses import CategoricalHinge
from torchkeras.losses.hinge_losses import Hinge
from torchkeras.losses.hinge_losses import SquaredHinge
from torchkeras.losses.hinge_losses import categorical_hinge
from torchkeras.losses.hinge_losses import hinge
from torchkeras.losses.hinge_losses import squared_hinge
from torchkeras.losses.identifiers import ALL_OBJECTS
from torchkeras.losses.identifiers import ALL_OBJECTS_DICT
from torchkeras.losses.identifiers import deserialize
from torchkeras.losses.identifiers import get
from torchkeras.losses.identifiers import resolve_crossentropy
from torchkeras.losses.identifiers import serialize
from torchkeras.losses.loss import Loss
from torchkeras.losses.probabilistic import CategoricalGeneralizedCrossEntropy
from torchkeras.losses.probabilistic import KLDivergence
from torchkeras.losses.probabilistic import Poisson
from torchkeras.losses.probabilistic import categorical_generalized_cross_entropy
from torchkeras.losses.probabilistic import kl_divergence
from torchkeras.losses.probabilistic import poisson
from torchkeras.losses.reduction import Reduction
from torchkeras.losses.regression import CosineSimilarity
from torchkeras.losses.regression import Huber
from torchkeras.losses.regression import LogCosh
from torchkeras.losses.regression import MeanAbsoluteError
from torchkeras.losses.regression import MeanAbsolutePercentageError
from torchkeras.losses.regression import MeanSquaredError
from torchkeras.losses.regression import MeanSquaredLogarithmicError
from torchkeras.losses.regression import cosine_similarity
from torchkeras.losses.regression import huber
from torchkeras.losses.regression import log_cosh
from torchkeras.losses.regression import mean_absolute_error
from torchkeras.losses.regression import mean_absolute_percentage_error
from torchkeras.losses.regression import mean_squared_error
from torchkeras.losses.regression import mean_squared_logarithmic_error
from torchkeras.losses.segmentation import Dice
from torchkeras.losses.segmentation import Tversky
from torchkeras.losses.segmentation import dice
from torchkeras.losses.segmentation import tversky
from torchkeras.losses.wrapper import LossFunctionWrapper

# Short and Keras 2 names (`keras.losses.mse`, `keras.losses.logcosh`, ...).
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
bce = BCE = binary_crossentropy
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
huber_loss = huber
cosine_proximity = cosine_similarity
