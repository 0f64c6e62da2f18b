"""`keras.metrics`: stateful metrics (`update_state` / `result` / `reset_state`), the metric functions, and `get`,
`serialize`, `deserialize`."""
from torchkeras.losses.crossentropy import binary_crossentropy
from torchkeras.losses.crossentropy import binary_focal_crossentropy
from torchkeras.losses.crossentropy import categorical_crossentropy
from torchkeras.losses.crossentropy import categorical_focal_crossentropy
from torchkeras.losses.crossentropy import sparse_categorical_crossentropy
from torchkeras.losses.hinge_losses import categorical_hinge
from torchkeras.losses.hinge_losses import hinge
from torchkeras.losses.hinge_losses import squared_hinge
from torchkeras.losses.probabilistic import kl_divergence
from torchkeras.losses.probabilistic import poisson
from torchkeras.losses.regression import huber
from torchkeras.losses.regression import log_cosh
from torchkeras.losses.regression import mean_absolute_error
from torchkeras.losses.regression import mean_absolute_percentage_error
from torchkeras.losses.regression import mean_squared_error
from torchkeras.losses.regression import mean_squared_logarithmic_error
from torchkeras.metrics.accuracy_metrics import Accuracy
from torchkeras.metrics.accuracy_metrics import BinaryAccuracy
from torchkeras.metrics.accuracy_metrics import CategoricalAccuracy
from torchkeras.metrics.accuracy_metrics import SparseCategoricalAccuracy
from torchkeras.metrics.accuracy_metrics import SparseTopKCategoricalAccuracy
from torchkeras.metrics.accuracy_metrics import TopKCategoricalAccuracy
from torchkeras.metrics.accuracy_metrics import accuracy
from torchkeras.metrics.accuracy_metrics import binary_accuracy
from torchkeras.metrics.accuracy_metrics import categorical_accuracy
from torchkeras.metrics.accuracy_metrics import sparse_categorical_accuracy
from torchkeras.metrics.accuracy_metrics import sparse_top_k_categorical_accuracy
from torchkeras.metrics.accuracy_metrics import top_k_categorical_accuracy
from torchkeras.metrics.auc import AUC
from torchkeras.metrics.confusion import FalseNegatives
from torchkeras.metrics.confusion import FalsePositives
from torchkeras.metrics.confusion import Precision
from torchkeras.metrics.confusion import Recall
from torchkeras.metrics.confusion import TrueNegatives
from torchkeras.metrics.confusion import TruePositives
from torchkeras.metrics.correlation import ConcordanceCorrelation
from torchkeras.metrics.correlation import PearsonCorrelation
from torchkeras.metrics.correlation import concordance_correlation
from torchkeras.metrics.correlation import pearson_correlation
from torchkeras.metrics.f_score import F1Score
from torchkeras.metrics.f_score import FBetaScore
from torchkeras.metrics.hinge_metrics import CategoricalHinge
from torchkeras.metrics.hinge_metrics import Hinge
from torchkeras.metrics.hinge_metrics import SquaredHinge
from torchkeras.metrics.identifiers import ALL_OBJECTS
from torchkeras.metrics.identifiers import ALL_OBJECTS_DICT
from torchkeras.metrics.identifiers import deserialize
from torchkeras.metrics.identifiers import get
from torchkeras.metrics.identifiers import resolve_accuracy
from torchkeras.metrics.identifiers import serialize
from torchkeras.metrics.iou import BinaryIoU
from torchkeras.metrics.iou import IoU
from torchkeras.metrics.iou import MeanIoU
from torchkeras.metrics.iou import OneHotIoU
from torchkeras.metrics.iou import OneHotMeanIoU
from torchkeras.metrics.metric import Metric
from torchkeras.metrics.probabilistic_metrics import BinaryCrossentropy
from torchkeras.metrics.probabilistic_metrics import CategoricalCrossentropy
from torchkeras.metrics.probabilistic_metrics import KLDivergence
from torchkeras.metrics.probabilistic_metrics import Poisson
from torchkeras.metrics.probabilistic_metrics import SparseCategoricalCrossentropy
from torchkeras.metrics.r2_score import R2Score
from torchkeras.metrics.reduction_metrics import Mean
from torchkeras.metrics.reduction_metrics import MeanMetricWrapper
from torchkeras.metrics.reduction_metrics import Sum
from torchkeras.metrics.regression_metrics import CosineSimilarity
from torchkeras.metrics.regression_metrics import LogCoshError
from torchkeras.metrics.regression_metrics import MeanAbsoluteError
from torchkeras.metrics.regression_metrics import MeanAbsolutePercentageError
from torchkeras.metrics.regression_metrics import MeanSquaredError
from torchkeras.metrics.regression_metrics import MeanSquaredLogarithmicError
from torchkeras.metrics.regression_metrics import RootMeanSquaredError
from torchkeras.metrics.regression_metrics import cosine_similarity
from torchkeras.metrics.threshold_metrics import PrecisionAtRecall
from torchkeras.metrics.threshold_metrics import RecallAtPrecision
from torchkeras.metrics.threshold_metrics import SensitivityAtSpecificity
from torchkeras.metrics.threshold_metrics import SpecificityAtSensitivity

# Short and Keras 2 names of the metric functions (`keras.metrics.mse`, `keras.metrics.acc`, ...).
acc = ACC = accuracy
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
bce = BCE = binary_crossentropy
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
