"""keras.wrappers with scikit-learn: its own estimator checks (where Keras passes them), cross-validation,
pipelines and grid search, and Keras 2's `keras.wrappers.scikit_learn` spellings."""
import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.datasets import make_regression  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.model_selection import cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import torchkeras as keras  # noqa: E402
from torchkeras.wrappers import SKLearnClassifier  # noqa: E402
from torchkeras.wrappers import SKLearnRegressor  # noqa: E402
from torchkeras.wrappers import SKLearnTransformer  # noqa: E402
from torchkeras.wrappers.scikit_learn import KerasClassifier  # noqa: E402
from torchkeras.wrappers.scikit_learn import KerasRegressor  # noqa: E402

# check_estimator fits one-output classifiers on one-class data: a softmax over one unit, as it does with Keras.
pytestmark = pytest.mark.filterwarnings("ignore:You are using a softmax over axis -1")


def dynamic_model(X, y, loss, out_activation_function="softmax", layers=(10,)):
    """An MLP sized from the data: as many outputs as target columns."""
    inp = keras.Input(shape=(X.shape[1],))
    hidden = inp
    for size in layers:
        hidden = keras.layers.Dense(size, activation="relu")(hidden)
    n_outputs = y.shape[1] if len(y.shape) > 1 else 1
    out = keras.layers.Dense(n_outputs, activation=out_activation_function)(hidden)
    model = keras.Model(inp, out)
    model.compile(loss=loss, optimizer="rmsprop")
    return model


# The checks Keras's own wrappers are expected to fail (keras/src/wrappers/sklearn_test.py), for the same reasons.
EXPECTED_FAILED_CHECKS = {
    "SKLearnClassifier": {
        "check_classifiers_regression_target": "not an issue in sklearn>=1.6",
        "check_parameters_default_constructible": "not an issue in sklearn>=1.6",
        "check_classifiers_one_label_sample_weights": "0 sample weight is not ignored",
        "check_classifiers_classes": "with small test cases the estimator returns not all classes sometimes",
        "check_classifier_data_not_an_array": "This test assumes reproducibility in fit.",
        "check_supervised_y_2d": "This test assumes reproducibility in fit.",
        "check_fit_idempotent": "This test assumes reproducibility in fit.",
        "check_classifiers_train": "decision_function can return both probabilities and logits",
    },
    "SKLearnRegressor": {"check_parameters_default_constructible": "not an issue in sklearn>=1.6"},
    "SKLearnTransformer": {"check_parameters_default_constructible": "not an issue in sklearn>=1.6"},
}


@parametrize_with_checks(
    [
        SKLearnClassifier(model=dynamic_model, model_kwargs={"loss": "categorical_crossentropy",
                                                             "layers": [20, 20, 20]},
                          fit_kwargs={"epochs": 5, "verbose": 0}),
        SKLearnRegressor(model=dynamic_model, model_kwargs={"loss": "mse"}, fit_kwargs={"verbose": 0}),
        SKLearnTransformer(model=dynamic_model, model_kwargs={"loss": "mse"}, fit_kwargs={"verbose": 0}),
    ],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS[type(estimator).__name__],
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def _classification():
    X, y = make_classification(n_samples=120, n_features=6, n_informative=4, n_classes=3, random_state=0)
    return X.astype("float32"), y


def test_classifier_cross_val_score_and_pipeline():
    keras.utils.set_random_seed(0)
    X, y = _classification()
    clf = SKLearnClassifier(model=dynamic_model, model_kwargs={"loss": "categorical_crossentropy"},
                            fit_kwargs={"epochs": 60, "verbose": 0})
    scores = cross_val_score(clf, X, y, cv=3)
    assert scores.shape == (3,) and np.all((scores >= 0) & (scores <= 1))
    pipe = make_pipeline(StandardScaler(), clf).fit(X, y)
    pred = pipe.predict(X)
    assert pred.shape == y.shape and set(np.unique(pred)) <= set(np.unique(y))
    assert pipe.score(X, y) > 0.45  # chance: 1/3
    fitted = pipe[-1]
    assert list(fitted.classes_) == [0, 1, 2]
    assert fitted.decision_function(StandardScaler().fit(X).transform(X)).shape == (120, 3)
    assert fitted.epoch_ == 60


def test_classifier_string_labels_round_trip():
    X, y = _classification()
    labels = np.array(["cat", "dog", "emu"])[y]
    clf = SKLearnClassifier(model=dynamic_model, model_kwargs={"loss": "categorical_crossentropy"},
                            fit_kwargs={"epochs": 2, "verbose": 0}).fit(X, labels)
    assert set(clf.predict(X)) <= {"cat", "dog", "emu"}


def test_regressor_grid_search_and_model_instance_is_cloned():
    X, y = make_regression(n_samples=80, n_features=5, random_state=0)
    X, y = X.astype("float32"), (y / 100).astype("float32")
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer="adam")
    reg = SKLearnRegressor(model=model, fit_kwargs={"verbose": 0})
    search = GridSearchCV(reg, {"fit_kwargs": [{"epochs": 1, "verbose": 0}, {"epochs": 3, "verbose": 0}]}, cv=2)
    search.fit(X, y)
    assert search.best_estimator_.predict(X).shape == (80,)
    reg.fit(X, y)
    assert reg.model_ is not model  # a fresh clone per fit
    assert reg.model_.get_layer(index=0) is not model.get_layer(index=0)


def test_transformer_in_pipeline():
    X, y = make_regression(n_samples=60, n_features=4, random_state=0)
    X, y = X.astype("float32"), y.astype("float32")
    tr = SKLearnTransformer(model=dynamic_model, model_kwargs={"loss": "mse", "out_activation_function": None},
                            fit_kwargs={"epochs": 1, "verbose": 0})
    pipe = make_pipeline(StandardScaler(), tr).fit(X, y)
    out = pipe.transform(X)
    assert out.shape == (60, 1)
    np.testing.assert_allclose(out, tr.model_.predict(StandardScaler().fit_transform(X), verbose=0), rtol=1e-5)


def test_uncompiled_model_is_refused():
    X, y = _classification()
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3)])
    with pytest.raises(RuntimeError, match="needs to be compiled"):
        SKLearnClassifier(model=model).fit(X, y)


def test_warm_start_keeps_training_the_same_model():
    X, y = _classification()
    clf = SKLearnClassifier(model=dynamic_model, model_kwargs={"loss": "categorical_crossentropy"},
                            warm_start=True, fit_kwargs={"epochs": 1, "verbose": 0})
    first = clf.fit(X, y).model_
    assert clf.fit(X, y).model_ is first


# --- Keras 2: keras.wrappers.scikit_learn ------------------------------------------------------------------------
def build_classifier(hidden=8, n_classes=3, loss="sparse_categorical_crossentropy"):
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(hidden, activation="relu"),
                              keras.layers.Dense(n_classes, activation="softmax")])
    model.compile(loss=loss, optimizer="adam", metrics=["accuracy"])
    return model


def test_keras2_classifier_fit_predict_proba_score():
    X, y = _classification()
    clf = KerasClassifier(build_fn=build_classifier, hidden=16, epochs=5, batch_size=16, verbose=0)
    history = clf.fit(X, y)
    assert len(history.history["loss"]) == 5
    assert clf.model.layers[0].units == 16
    pred = clf.predict(X)
    assert pred.shape == (120,) and set(pred) <= {0, 1, 2}
    proba = clf.predict_proba(X)
    assert proba.shape == (120, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    acc = clf.score(X, y)
    np.testing.assert_allclose(acc, np.mean(pred == y), atol=1e-6)
    assert clf.get_params()["hidden"] == 16 and clf.get_params()["build_fn"] is build_classifier


def test_keras2_classifier_categorical_crossentropy_and_binary_sigmoid():
    X, y = _classification()
    clf = KerasClassifier(build_fn=build_classifier, loss="categorical_crossentropy", epochs=1, verbose=0)
    clf.fit(X, y + 10)  # labels need not be 0..n-1
    assert set(clf.predict(X)) <= {10, 11, 12}
    assert 0 <= clf.score(X, y + 10) <= 1

    def binary():
        model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
        return model

    yb = (y > 0).astype("int64")
    clf = KerasClassifier(build_fn=binary, epochs=1, verbose=0)
    clf.fit(X, yb)
    assert clf.predict_proba(X).shape == (120, 2)
    assert clf.predict(X).shape == (120,)


def test_keras2_wrappers_with_cross_val_score_and_set_params():
    X, y = _classification()
    clf = KerasClassifier(build_fn=build_classifier, epochs=2, verbose=0)
    scores = cross_val_score(clf, X, y, cv=2)
    assert scores.shape == (2,)
    clf.set_params(epochs=3, hidden=4)
    assert clf.sk_params["epochs"] == 3
    with pytest.raises(ValueError, match="not a legal parameter"):
        KerasClassifier(build_fn=build_classifier, no_such_argument=1)

    Xr, yr = make_regression(n_samples=60, n_features=3, random_state=0)

    def build_regressor():
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        model.compile(loss="mse", optimizer="sgd")
        return model

    reg = KerasRegressor(build_fn=build_regressor, epochs=2, verbose=0)
    scores = cross_val_score(reg, Xr.astype("float32"), (yr / 100).astype("float32"), cv=2)
    assert scores.shape == (2,) and np.all(scores <= 0)
    reg.fit(Xr, yr / 100)
    assert reg.predict(Xr).shape == (60,)


def test_keras2_build_fn_as_subclass_call():
    class MyClassifier(KerasClassifier):
        def __call__(self, hidden=4):
            return build_classifier(hidden=hidden)

    X, y = _classification()
    clf = MyClassifier(hidden=5, epochs=1, verbose=0)
    clf.fit(X, y)
    assert clf.model.layers[0].units == 5
