"""`keras.wrappers.SKLearnClassifier`, `SKLearnRegressor`, `SKLearnTransformer`: scikit-learn estimators around
a Keras model (or a function that builds one), usable in `Pipeline`, `GridSearchCV`, `cross_val_score`, ...

`model` is either a compiled Keras model (cloned, with fresh weights, for every `fit`) or a callable
`model(X, y, **model_kwargs)` returning a compiled model. `fit_kwargs` are passed to `model.fit`.
"""
import copy

import numpy as np

from torchkeras.api_export import keras_export
from torchkeras.wrappers import sklearn_utils
from torchkeras.wrappers.sklearn_utils import BaseEstimator
from torchkeras.wrappers.sklearn_utils import ClassifierMixin
from torchkeras.wrappers.sklearn_utils import RegressorMixin
from torchkeras.wrappers.sklearn_utils import TransformerMixin


class SKLBase(BaseEstimator):
    """What the three wrappers share: building the model, fitting it, and reshaping targets."""

    def __init__(self, model, warm_start=False, model_kwargs=None, fit_kwargs=None):
        sklearn_utils.assert_sklearn_installed(type(self).__name__)
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    def _more_tags(self):
        return {"non_deterministic": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        return tags

    def __sklearn_clone__(self):
        """A copy with the same parameters: a model instance is deep-copied, a building function shared."""
        model = self.model if callable(self.model) and not _is_model(self.model) else copy.deepcopy(self.model)
        return type(self)(model=model, warm_start=self.warm_start, model_kwargs=self.model_kwargs,
                          fit_kwargs=self.fit_kwargs)

    def __getstate__(self):
        return sklearn_utils.picklable_state(self.__dict__)

    def __setstate__(self, state):
        self.__dict__.update(sklearn_utils.restore_state(state))

    @property
    def epoch_(self):
        """The number of epochs the last `fit` trained for."""
        history = getattr(self, "history_", None)
        return len(history.epoch) if history is not None else 0

    def set_fit_request(self, **kwargs):
        """Request metadata (e.g. `sample_weight`) for `fit`; needs scikit-learn's metadata routing."""
        import sklearn

        if not sklearn_utils.routing_enabled():
            raise RuntimeError(
                "This method is only available when metadata routing is enabled. You can enable it using "
                "sklearn.set_config(enable_metadata_routing=True).")
        self._metadata_request = sklearn.utils.metadata_routing.MetadataRequest(owner=type(self).__name__)
        for param, alias in kwargs.items():
            self._metadata_request.score.add_request(param=param, alias=alias)
        return self

    def _get_model(self, X, y):
        if _is_model(self.model):
            from torchkeras.models.cloning import clone_model

            model = clone_model(self.model)
            if self.model.compiled and not model.compiled:  # Keras compiles the clone like the original
                model.compile_from_config(self.model.get_compile_config())
            return model
        return self.model(X=X, y=y, **(self.model_kwargs or {}))

    def fit(self, X, y, **kwargs):
        """Build a new model (or keep the fitted one with `warm_start=True`) and fit it on `X`, `y`.

        Extra keyword arguments go to `model.fit` (after `fit_kwargs`). Returns the estimator.
        """
        X, y = sklearn_utils.validate_data(self, X, y)
        y = self._process_target(y, reset=True)
        if self.warm_start and hasattr(self, "model_"):
            model = self.model_
        else:
            model = self._get_model(X, y)
        sklearn_utils.check_model(model)
        fit_kwargs = dict(self.fit_kwargs or {})
        fit_kwargs.update(kwargs)
        self.history_ = model.fit(X, y, **fit_kwargs)
        self.model_ = model
        return self

    def predict(self, X):
        """The model's predictions for `X`, in the shape (and, for classifiers, the labels) of the targets."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = sklearn_utils.validate_data(self, X, reset=False)
        return self._reverse_process_target(self.model_.predict(X))

    def _process_target(self, y, reset=False):
        sklearn_utils.type_of_target(y, raise_unknown=True)
        if reset:
            self._target_encoder = sklearn_utils.TargetReshaper().fit(y)
        return self._target_encoder.transform(y)

    def _reverse_process_target(self, y):
        return self._target_encoder.inverse_transform(y)


def _is_model(obj):
    from torchkeras.models.model import Model

    return isinstance(obj, Model)


@keras_export("keras.wrappers.SKLearnClassifier")
class SKLearnClassifier(ClassifierMixin, SKLBase):
    """scikit-learn classifier around a Keras model; the targets are one-hot encoded for the model (so the
    model ends in one unit per class, e.g. with `categorical_crossentropy`), and predictions are decoded back
    to the original labels. `classes_` holds those labels after `fit`.

    Args: `model` (a compiled Keras model, or `model(X, y, **model_kwargs)` returning one), `warm_start`
    (keep training the fitted model on the next `fit`), `model_kwargs`, `fit_kwargs`.
    """

    def decision_function(self, X):
        """The model's raw outputs (one column per class)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = sklearn_utils.validate_data(self, X, reset=False)
        return self.model_.predict(X)

    def _process_target(self, y, reset=False):
        import sklearn.pipeline
        import sklearn.preprocessing

        target_type = sklearn_utils.type_of_target(y, raise_unknown=True)
        if target_type not in ["binary", "multiclass"]:
            raise ValueError(f"Only binary and multiclass target types are supported. Target type: {target_type}")
        if reset:
            self._target_encoder = sklearn.pipeline.make_pipeline(
                sklearn_utils.TargetReshaper(), sklearn.preprocessing.OneHotEncoder(sparse_output=False)).fit(y)
            self.classes_ = np.unique(y)
            if len(self.classes_) == 1:
                raise ValueError("Classifier can't train when only one class is present.")
        return self._target_encoder.transform(y)

    def _more_tags(self):
        return {"poor_score": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True
        return tags


@keras_export("keras.wrappers.SKLearnRegressor")
class SKLearnRegressor(RegressorMixin, SKLBase):
    """scikit-learn regressor around a Keras model; predictions have the shape of the targets.

    Args: `model` (a compiled Keras model, or `model(X, y, **model_kwargs)` returning one), `warm_start`,
    `model_kwargs`, `fit_kwargs`.
    """

    def _more_tags(self):
        return {"poor_score": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags


@keras_export("keras.wrappers.SKLearnTransformer")
class SKLearnTransformer(TransformerMixin, SKLBase):
    """scikit-learn transformer around a Keras model: `fit` trains it on `(X, y)`, `transform(X)` returns its
    predictions (e.g. an encoder's embeddings).

    Args: `model` (a compiled Keras model, or `model(X, y, **model_kwargs)` returning one), `warm_start`,
    `model_kwargs`, `fit_kwargs`.
    """

    def transform(self, X):
        """The model's predictions for `X`."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = sklearn_utils.validate_data(self, X, reset=False)
        return self.model_.predict(X)

    def _more_tags(self):
        return {"preserves_dtype": []}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []
        return tags
