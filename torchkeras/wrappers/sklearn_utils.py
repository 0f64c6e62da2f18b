"""scikit-learn glue for the wrappers: base classes (stand-ins when scikit-learn is missing), data
validation, target typing and reshaping."""
import numpy as np

try:
    import sklearn
    from sklearn.base import BaseEstimator
    from sklearn.base import ClassifierMixin
    from sklearn.base import RegressorMixin
    from sklearn.base import TransformerMixin
except ImportError:  # the wrappers then raise a clear ImportError when created
    sklearn = None

    class BaseEstimator:
        pass

    class ClassifierMixin:
        pass

    class RegressorMixin:
        pass

    class TransformerMixin:
        pass


def assert_sklearn_installed(symbol_name):
    if sklearn is None:
        raise ImportError(
            f"{symbol_name} requires `scikit-learn` to be installed. Run `pip install scikit-learn` to install it.")


def check_model(model):
    if not model.compiled or not model.loss or not model.optimizer:
        raise RuntimeError("Given model needs to be compiled, and have a loss and an optimizer.")


def validate_data(estimator, *args, **kwargs):
    """scikit-learn's input validation (`n_features_in_`, array conversion, checks)."""
    try:
        from sklearn.utils.validation import validate_data as sk_validate_data
    except ImportError:  # scikit-learn < 1.6
        return estimator._validate_data(*args, **kwargs)
    return sk_validate_data(estimator, *args, **kwargs)


def type_of_target(y, input_name="", *, raise_unknown=False):
    """scikit-learn's target type ("binary", "multiclass", "continuous", ...); "unknown" may raise."""
    from sklearn.utils.multiclass import type_of_target as sk_type_of_target

    target_type = sk_type_of_target(y, input_name=input_name)
    if raise_unknown and target_type == "unknown":
        raise ValueError(f"Unknown label type for {input_name or 'data'}: {y!r}")
    return target_type


def routing_enabled():
    if sklearn is None:
        return False
    return bool(sklearn.get_config().get("enable_metadata_routing", False))


class TargetReshaper(TransformerMixin, BaseEstimator):
    """Give 1D targets a trailing axis for the model, and take it away again from its predictions."""

    def fit(self, y):
        self.ndim_ = y.ndim
        return self

    def transform(self, y):
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def inverse_transform(self, y):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        if self.ndim_ == 1 and y.ndim == 2:
            return np.squeeze(y, axis=1)
        return y


class PickledModel:
    """A Keras model held as the bytes of a `.keras` archive, so that fitted estimators can be pickled
    (scikit-learn copies estimators between processes that way, e.g. `n_jobs` in `cross_val_score`)."""

    def __init__(self, model):
        import os
        import tempfile

        from torchkeras.saving import saving_api

        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "model.keras")
            saving_api.save_model(model, path)
            with open(path, "rb") as f:
                self.data = f.read()

    def load(self):
        import os
        import tempfile

        from torchkeras.saving import saving_api

        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "model.keras")
            with open(path, "wb") as f:
                f.write(self.data)
            return saving_api.load_model(path)


def picklable_state(state):
    """`state` (an estimator's `__dict__`) with its Keras models as `PickledModel`s and the `History`
    detached from its model."""
    import copy

    from torchkeras.models.model import Model

    state = dict(state)
    for key, value in state.items():
        if isinstance(value, Model):
            state[key] = PickledModel(value)
        elif hasattr(value, "history") and getattr(value, "model", None) is not None:
            history = copy.copy(value)
            history.set_model(None)
            state[key] = history
    return state


def restore_state(state):
    return {key: value.load() if isinstance(value, PickledModel) else value for key, value in state.items()}
