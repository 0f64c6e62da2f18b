"""`keras.wrappers`: scikit-learn estimators around Keras models (and Keras 2's `keras.wrappers.scikit_learn`)."""
from torchkeras.wrappers import scikit_learn
from torchkeras.wrappers.sklearn_wrapper import SKLearnClassifier
from torchkeras.wrappers.sklearn_wrapper import SKLearnRegressor
from torchkeras.wrappers.sklearn_wrapper import SKLearnTransformer

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer", "scikit_learn"]
