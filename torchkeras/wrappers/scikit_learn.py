"""`keras.wrappers.scikit_learn`: Keras 2's scikit-learn wrappers, `KerasClassifier` and `KerasRegressor`.

`build_fn` is a function (or a callable object, or None with `__call__` defined in a subclass) returning a
compiled model; the other keyword arguments (`sk_params`) go, by name, to `build_fn`, `fit`, `predict` and
`evaluate`. These are the spellings Keras 2 scripts use; new code can use `keras.wrappers.SKLearnClassifier`.
"""
import copy
import inspect
import types

import numpy as np

from torchkeras.api_export import keras_export
from torchkeras.wrappers import sklearn_utils
from torchkeras.wrappers.sklearn_utils import BaseEstimator
from torchkeras.wrappers.sklearn_utils import ClassifierMixin
from torchkeras.wrappers.sklearn_utils import RegressorMixin


def _has_arg(fn, name):
    """Whether `fn` names the keyword argument `name` in its signature (`**kwargs` does not count)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params and params[name].kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                                     inspect.Parameter.KEYWORD_ONLY)


def _model_method(name):
    from torchkeras.models.model import Model

    return getattr(Model, name)


def _is_categorical_crossentropy(loss):
    from torchkeras.losses import CategoricalCrossentropy

    if isinstance(loss, CategoricalCrossentropy):
        return True
    name = loss if isinstance(loss, str) else getattr(loss, "__name__", None)
    return name in ("categorical_crossentropy", "CategoricalCrossentropy")


class BaseWrapper(BaseEstimator):
    """The part of the Keras 2 wrappers both share: parameters, model building and fitting."""

    def __init__(self, build_fn=None, **sk_params):
        sklearn_utils.assert_sklearn_installed(type(self).__name__)
        self.build_fn = build_fn
        self.sk_params = sk_params
        self.check_params(sk_params)

    def _build_fn_signature_owner(self):
        if self.build_fn is None:
            return self.__call__
        if not isinstance(self.build_fn, (types.FunctionType, types.MethodType)):
            return self.build_fn.__call__
        return self.build_fn

    def __getstate__(self):
        return sklearn_utils.picklable_state(self.__dict__)

    def __setstate__(self, state):
        self.__dict__.update(sklearn_utils.restore_state(state))

    def check_params(self, params):
        """Raise `ValueError` for a parameter that neither `build_fn` nor `fit`/`predict`/`evaluate` accepts."""
        legal = [_model_method("fit"), _model_method("predict"), _model_method("evaluate"),
                 self._build_fn_signature_owner()]
        for name in params:
            if name != "nb_epoch" and not any(_has_arg(fn, name) for fn in legal):
                raise ValueError(f"{name} is not a legal parameter")

    def get_params(self, deep=True):
        """The parameters: `build_fn` and every `sk_params` entry."""
        params = self.sk_params.copy()
        params.update({"build_fn": self.build_fn})
        return params

    def set_params(self, **params):
        """Update `sk_params` (checked like the constructor's); returns the estimator."""
        self.check_params(params)
        self.sk_params.update(params)
        return self

    def filter_sk_params(self, fn, override=None):
        """The `sk_params` that `fn` accepts, updated with `override`."""
        res = {name: value for name, value in self.sk_params.items() if _has_arg(fn, name)}
        res.update(override or {})
        return res

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        return tags

    def _build_model(self):
        owner = self._build_fn_signature_owner()
        build = self.__call__ if self.build_fn is None else self.build_fn
        return build(**self.filter_sk_params(owner))

    def fit(self, x, y, **kwargs):
        """Build a new model with `build_fn` and fit it; returns the `History`."""
        self.model = self._build_model()
        sklearn_utils.check_model(self.model)
        y = np.asarray(y)
        if _is_categorical_crossentropy(self.model.loss) and y.ndim != 2:
            from torchkeras.utils import to_categorical

            y = to_categorical(y)
        fit_args = copy.deepcopy(self.filter_sk_params(_model_method("fit")))
        fit_args.update(kwargs)
        return self.model.fit(x, y, **fit_args)


@keras_export("keras.wrappers.scikit_learn.KerasClassifier")
class KerasClassifier(ClassifierMixin, BaseWrapper):
    """scikit-learn classifier interface for a Keras model (Keras 2's `KerasClassifier`).

    The model ends in one unit per class (softmax) or in one sigmoid unit for two classes. Labels are
    encoded as class indices (one-hot with `categorical_crossentropy`); `classes_` holds the labels.
    """

    def fit(self, x, y, **kwargs):
        """Fit on `x` and labels `y` (1D labels, or a 2D one-hot matrix). Returns the `History`."""
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] > 1:
            self.classes_ = np.arange(y.shape[1])
        elif (y.ndim == 2 and y.shape[1] == 1) or y.ndim == 1:
            self.classes_ = np.unique(y)
            y = np.searchsorted(self.classes_, y)
        else:
            raise ValueError("Invalid shape for y: " + str(y.shape))
        self.n_classes_ = len(self.classes_)
        return super().fit(x, y, **kwargs)

    def predict(self, x, **kwargs):
        """The predicted labels of `x`."""
        kwargs = self.filter_sk_params(_model_method("predict"), kwargs)
        proba = self.model.predict(x, **kwargs)
        if proba.shape[-1] > 1:
            classes = proba.argmax(axis=-1)
        else:
            classes = (proba[..., 0] > 0.5).astype("int32")
        return self.classes_[classes]

    def predict_proba(self, x, **kwargs):
        """Class probabilities, one column per class (two columns for a one-unit sigmoid model)."""
        kwargs = self.filter_sk_params(_model_method("predict"), kwargs)
        probs = self.model.predict(x, **kwargs)
        if probs.shape[1] == 1:
            probs = np.hstack([1 - probs, probs])
        return probs

    def score(self, x, y, **kwargs):
        """The model's accuracy on `x`, `y` (the model must be compiled with `metrics=["accuracy"]`)."""
        y = np.searchsorted(self.classes_, np.asarray(y))
        kwargs = self.filter_sk_params(_model_method("evaluate"), kwargs)
        kwargs["return_dict"] = True
        if _is_categorical_crossentropy(self.model.loss) and y.ndim != 2:
            from torchkeras.utils import to_categorical

            y = to_categorical(y, num_classes=self.n_classes_)
        outputs = self.model.evaluate(x, y, **kwargs)
        for name in ("accuracy", "acc"):
            if name in outputs:
                return outputs[name]
        raise ValueError("The model is not configured to compute accuracy. You should pass "
                         '`metrics=["accuracy"]` to the `model.compile()` method.')


@keras_export("keras.wrappers.scikit_learn.KerasRegressor")
class KerasRegressor(RegressorMixin, BaseWrapper):
    """scikit-learn regressor interface for a Keras model (Keras 2's `KerasRegressor`)."""

    def predict(self, x, **kwargs):
        """The predictions for `x` (a trailing axis of size 1 is dropped)."""
        kwargs = self.filter_sk_params(_model_method("predict"), kwargs)
        out = self.model.predict(x, **kwargs)
        return np.squeeze(out, axis=-1) if out.shape[-1] == 1 else out

    def score(self, x, y, **kwargs):
        """Minus the model's loss on `x`, `y` (higher is better, as scikit-learn expects)."""
        kwargs = self.filter_sk_params(_model_method("evaluate"), kwargs)
        loss = self.model.evaluate(x, y, **kwargs)
        if isinstance(loss, (list, tuple)):
            return -loss[0]
        return -loss
